// A single-pass RFC 4180 state machine. Lenient where spreadsheets are (a quote inside an
// unquoted field is literal, text after a closing quote is kept), strict where data would be
// silently lost (an open quote at end of file is an error, not a giant last field).
#include "ml/text/csv_reader.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <functional>
#include <map>
#include <system_error>

#include "util/utf8.h"

namespace trainbox::ml::text {
namespace {

constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr size_t kDetectRecords = 50;

// The UTF-16/32 shape of `head` from its NUL bytes (ASCII text in UTF-16 has a NUL in every
// other byte, in UTF-32 three in every four), or "" when it has none of them.
std::string_view nul_pattern(std::string_view head) {
  size_t n = head.size() - head.size() % 4;
  if (n < 4) return "";
  std::array<size_t, 4> zeros{};
  for (size_t i = 0; i < n; ++i) zeros[i % 4] += head[i] == '\0' ? 1 : 0;
  size_t quarter = n / 4;
  auto mostly = [&](size_t count) { return count * 10 >= quarter * 9; };
  auto rarely = [&](size_t count) { return count * 10 <= quarter; };
  if (mostly(zeros[1]) && mostly(zeros[2]) && mostly(zeros[3]) && rarely(zeros[0])) {
    return "UTF-32 (little-endian)";
  }
  if (mostly(zeros[0]) && mostly(zeros[1]) && mostly(zeros[2]) && rarely(zeros[3])) {
    return "UTF-32 (big-endian)";
  }
  if (mostly(zeros[1]) && mostly(zeros[3]) && rarely(zeros[0]) && rarely(zeros[2])) {
    return "UTF-16 (little-endian)";
  }
  if (mostly(zeros[0]) && mostly(zeros[2]) && rarely(zeros[1]) && rarely(zeros[3])) {
    return "UTF-16 (big-endian)";
  }
  return "";
}

class Parser {
 public:
  Parser(std::string_view data, char separator, const CsvLimits& limits)
      : data_(data), sep_(separator), limits_(limits) {}

  // Parses up to `max_records` records (all when 0).
  Result<std::vector<CsvRecord>> run(size_t max_records) {
    std::vector<CsvRecord> records;
    while (pos_ < data_.size() && (max_records == 0 || records.size() < max_records)) {
      auto record = next_record();
      if (!record) return fail(record.error());
      records.push_back(std::move(*record));
    }
    return records;
  }

  // Hands each record to `visit`, without keeping it, until `visit` returns false.
  Status each(const std::function<bool(const CsvRecord&)>& visit) {
    while (pos_ < data_.size()) {
      auto record = next_record();
      if (!record) return fail(record.error());
      if (!visit(*record)) break;
    }
    return {};
  }

 private:
  Result<CsvRecord> next_record() {
    CsvRecord record;
    record.line = line_;
    std::string field;
    while (true) {
      bool end_of_record = false;
      TRAINBOX_TRY(next_field(field, end_of_record, record.line));
      TRAINBOX_TRY(check_field(field, record));
      record.fields.push_back(std::move(field));
      field.clear();
      if (record.fields.size() > limits_.max_columns) {
        return fail(
            ErrorCode::kInvalidArgument, "csv_too_wide",
            fmt::format("line {} has more than {} columns", record.line, limits_.max_columns));
      }
      if (end_of_record) return record;
    }
  }

  // Reads one field into `field`; sets `end_of_record` at a newline or end of data.
  Status next_field(std::string& field, bool& end_of_record, int record_line) {
    bool quoted = pos_ < data_.size() && data_[pos_] == '"';
    if (quoted) {
      int open_line = line_;
      ++pos_;
      while (true) {
        size_t quote = data_.find('"', pos_);
        if (quote == std::string_view::npos) {
          return fail(ErrorCode::kInvalidArgument, "csv_unbalanced_quotes",
                      fmt::format("the quoted field opened on line {} (row starting on line {}) "
                                  "is never closed",
                                  open_line, record_line));
        }
        append(field, data_.substr(pos_, quote - pos_));
        pos_ = quote + 1;
        if (pos_ < data_.size() && data_[pos_] == '"') {
          field.push_back('"');
          ++pos_;
          continue;
        }
        break;
      }
    }
    // Unquoted field, or the tail after a closing quote (kept as is).
    size_t end = pos_;
    while (end < data_.size() && data_[end] != sep_ && data_[end] != '\n' && data_[end] != '\r') {
      ++end;
    }
    append(field, data_.substr(pos_, end - pos_));
    pos_ = end;
    if (pos_ >= data_.size()) {
      end_of_record = true;
    } else if (data_[pos_] == sep_) {
      ++pos_;
    } else {
      end_of_record = true;
      if (data_[pos_] == '\r' && pos_ + 1 < data_.size() && data_[pos_ + 1] == '\n') ++pos_;
      ++pos_;
      ++line_;
    }
    return {};
  }

  void append(std::string& field, std::string_view part) {
    line_ += static_cast<int>(std::count(part.begin(), part.end(), '\n'));
    field.append(part);
  }

  Status check_field(const std::string& field, const CsvRecord& record) {
    int64_t chars = utf8_length(field);
    if (chars < 0) {
      return fail(ErrorCode::kInvalidArgument, "csv_invalid_utf8",
                  fmt::format("row starting on line {} (column {}) is not valid UTF-8; save the "
                              "file as UTF-8",
                              record.line, record.fields.size() + 1));
    }
    if (static_cast<size_t>(chars) > limits_.max_field_chars) {
      return fail(
          ErrorCode::kPayloadTooLarge, "csv_field_too_large",
          fmt::format("row starting on line {} (column {}) has {} characters; the limit "
                      "is {}",
                      record.line, record.fields.size() + 1, chars, limits_.max_field_chars));
    }
    return {};
  }

  std::string_view data_;
  char sep_;
  const CsvLimits& limits_;
  size_t pos_ = 0;
  int line_ = 1;
};

// How well `separator` splits the first records: records with the modal field count (> 1).
std::pair<size_t, size_t> separator_score(std::string_view data, char separator) {
  CsvLimits loose;
  loose.max_field_chars = SIZE_MAX;
  loose.max_columns = SIZE_MAX;
  auto records = Parser(data, separator, loose).run(kDetectRecords);
  if (!records || records->empty()) return {0, 0};
  std::map<size_t, size_t> counts;
  for (const auto& record : *records) {
    if (!is_blank(record)) ++counts[record.fields.size()];
  }
  auto mode = std::max_element(counts.begin(), counts.end(),
                               [](auto& a, auto& b) { return a.second < b.second; });
  if (mode == counts.end() || mode->first < 2) return {0, 0};
  return {mode->second, mode->first};
}

}  // namespace

Status check_csv_encoding(std::string_view head) {
  auto refuse = [](std::string_view what) {
    return fail(ErrorCode::kInvalidArgument, "csv_unsupported_encoding",
                fmt::format("the CSV looks like {}; save it as UTF-8 and upload it again", what));
  };
  using namespace std::string_view_literals;
  if (head.starts_with("\xFF\xFE\x00\x00"sv) || head.starts_with("\x00\x00\xFE\xFF"sv)) {
    return refuse("UTF-32");
  }
  if (head.starts_with("\xFF\xFE"sv) || head.starts_with("\xFE\xFF"sv)) return refuse("UTF-16");
  head = head.substr(0, 4096);
  if (auto shape = nul_pattern(head); !shape.empty()) return refuse(shape);
  if (head.find('\0') != std::string_view::npos) {
    return refuse("UTF-16 or a binary file (it contains NUL bytes)");
  }
  return {};
}

bool is_blank(const CsvRecord& record) {
  return std::all_of(record.fields.begin(), record.fields.end(), [](const std::string& f) {
    return f.find_first_not_of(" \t\r\n") == std::string::npos;
  });
}

char detect_separator(std::string_view data) {
  char best = ',';
  std::pair<size_t, size_t> best_score{0, 0};
  for (char candidate : {',', ';', '\t'}) {
    auto score = separator_score(data, candidate);
    if (score > best_score) {
      best = candidate;
      best_score = score;
    }
  }
  return best;
}

Result<CsvTable> parse_csv(std::string_view data, const CsvLimits& limits) {
  if (data.size() > limits.max_bytes) {
    return fail(
        ErrorCode::kPayloadTooLarge, "csv_too_large",
        fmt::format("the CSV has {} bytes; the limit is {}", data.size(), limits.max_bytes));
  }
  TRAINBOX_TRY(check_csv_encoding(data));
  if (data.starts_with(kUtf8Bom)) data.remove_prefix(kUtf8Bom.size());
  CsvTable table;
  table.separator = detect_separator(data);
  auto records = Parser(data, table.separator, limits).run(0);
  if (!records) return fail(records.error());
  table.records = std::move(*records);
  return table;
}

Result<char> scan_csv(std::string_view data, const CsvLimits& limits,
                      const std::function<bool(const CsvRecord&)>& visit) {
  if (data.size() > limits.max_bytes) {
    return fail(
        ErrorCode::kPayloadTooLarge, "csv_too_large",
        fmt::format("the CSV has {} bytes; the limit is {}", data.size(), limits.max_bytes));
  }
  TRAINBOX_TRY(check_csv_encoding(data));
  if (data.starts_with(kUtf8Bom)) data.remove_prefix(kUtf8Bom.size());
  char separator = detect_separator(data);
  TRAINBOX_TRY(Parser(data, separator, limits).each(visit));
  return separator;
}

Result<CsvTable> read_csv_file(const std::filesystem::path& path, const CsvLimits& limits) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    return fail(ErrorCode::kInvalidArgument, "csv_unreadable",
                fmt::format("cannot read {}: {}", path.filename().string(), ec.message()));
  }
  if (size > limits.max_bytes) {
    return fail(ErrorCode::kPayloadTooLarge, "csv_too_large",
                fmt::format("the CSV has {} bytes; the limit is {}", size, limits.max_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  std::string data(size, '\0');
  if (!in.read(data.data(), static_cast<std::streamsize>(size))) {
    return fail(ErrorCode::kInvalidArgument, "csv_unreadable",
                fmt::format("cannot read {}", path.filename().string()));
  }
  return parse_csv(data, limits);
}

}  // namespace trainbox::ml::text
