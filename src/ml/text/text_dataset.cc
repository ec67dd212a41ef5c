#include "ml/text/text_dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <unordered_map>

#include "util/utf8.h"

namespace trainbox::ml::text {
namespace {

struct Columns {
  bool header = false;
  bool guessed = false;  // header decided by looks_like_header, worth a warning
  size_t text = 0;
  size_t label = 1;
};

std::string trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

const CsvRecord* first_data_record(const CsvTable& table) {
  for (const auto& record : table.records) {
    if (!is_blank(record)) return &record;
  }
  return nullptr;
}

// A first row without the named columns is a header when its label cell never occurs as a label
// below it (e.g. "sentence,category"), since every real label occurs at least twice.
bool looks_like_header(const CsvTable& table, const CsvRecord& first, size_t label) {
  if (label >= first.fields.size()) return false;
  const std::string value = trim(first.fields[label]);
  for (const auto& record : table.records) {
    if (&record != &first && label < record.fields.size() && trim(record.fields[label]) == value) {
      return false;
    }
  }
  return true;
}

tl::unexpected<Error> missing_column(const std::string& which, const std::string& name,
                                     const CsvRecord& first) {
  return fail(ErrorCode::kInvalidArgument, "csv_missing_column",
              fmt::format("the CSV has no {} column \"{}\"; its first row is: {}", which, name,
                          fmt::join(first.fields, " | ")));
}

Result<Columns> pick_columns(const CsvTable& table, const CsvRecord& first,
                             const TrainOptions& options) {
  Columns columns;
  auto text = find_column(first.fields, options.text_column.empty() ? "text" : options.text_column);
  auto label =
      find_column(first.fields, options.label_column.empty() ? "label" : options.label_column);
  if (!options.text_column.empty() && !text)
    return missing_column("text", options.text_column, first);
  if (!options.label_column.empty() && !label) {
    return missing_column("label", options.label_column, first);
  }
  if (text && label && *text != *label) return Columns{true, false, *text, *label};
  if (first.fields.size() < 2) {
    return fail(ErrorCode::kInvalidArgument, "csv_missing_column",
                "the CSV needs two columns, a text and a label; it has one (separators tried: "
                "comma, semicolon, tab)");
  }
  if (text || label) {  // one named column found: the other is the first remaining column
    columns.header = true;
    columns.text = text ? *text : (*label == 0 ? 1 : 0);
    columns.label = label ? *label : (*text == 0 ? 1 : 0);
    return columns;
  }
  columns.header = looks_like_header(table, first, columns.label);
  columns.guessed = columns.header;
  return columns;
}

struct RowStats {
  std::vector<int> blank_lines;
  std::vector<int> short_lines;
  std::vector<int> empty_text_lines;
  std::vector<int> empty_label_lines;
  std::vector<int> duplicate_lines;
  int conflicting_texts = 0;
};

std::string lines_warning(const std::vector<int>& lines, std::string_view what) {
  constexpr size_t kShown = 5;
  std::vector<int> shown(lines.begin(), lines.begin() + std::min(lines.size(), kShown));
  return fmt::format("{} {} skipped (line{} {}{})", lines.size(), what, lines.size() > 1 ? "s" : "",
                     fmt::join(shown, ", "), lines.size() > kShown ? ", ..." : "");
}

std::vector<std::string> warnings_of(const RowStats& stats) {
  std::vector<std::string> warnings;
  auto add = [&](const std::vector<int>& lines, std::string_view what) {
    if (!lines.empty()) warnings.push_back(lines_warning(lines, what));
  };
  add(stats.blank_lines, "blank rows");
  add(stats.short_lines, "rows with too few columns");
  add(stats.empty_text_lines, "rows with an empty text");
  add(stats.empty_label_lines, "rows with an empty label");
  add(stats.duplicate_lines, "duplicate rows (same text and label)");
  if (stats.conflicting_texts > 0) {
    warnings.push_back(
        fmt::format("{} texts occur with more than one label", stats.conflicting_texts));
  }
  return warnings;
}

Status check_classes(const std::map<std::string, int>& counts, size_t num_texts) {
  if (num_texts == 0) {
    return fail(ErrorCode::kInvalidArgument, "csv_no_texts",
                "the CSV has no row with both a non-empty text and a label");
  }
  if (counts.size() > kMaxClasses) {
    return fail(ErrorCode::kInvalidArgument, "csv_too_many_classes",
                fmt::format("the label column has {} distinct values; the limit is {} (is it "
                            "the right column?)",
                            counts.size(), kMaxClasses));
  }
  if (counts.size() < 2) {
    return fail(ErrorCode::kInvalidArgument, "need_at_least_2_classes",
                fmt::format("training needs at least 2 labels; the CSV has {}", counts.size()));
  }
  for (const auto& [name, count] : counts) {
    if (auto problem = label_problem(name); !problem.empty()) {
      return fail(
          ErrorCode::kInvalidArgument, "invalid_label",
          fmt::format("the label \"{}\" cannot name a class: {}", printable_label(name), problem));
    }
  }
  std::vector<std::string> small;
  for (const auto& [name, count] : counts) {
    if (count < 2) small.push_back(fmt::format("\"{}\" ({})", name, count));
  }
  if (!small.empty()) {
    return fail(
        ErrorCode::kInvalidArgument, "class_too_small",
        fmt::format("every label needs at least 2 rows; too few for {}", fmt::join(small, ", ")));
  }
  return {};
}

}  // namespace

std::optional<size_t> find_column(const std::vector<std::string>& header, const std::string& name) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return i;
  }
  for (size_t i = 0; i < header.size(); ++i) {
    if (ascii_lower(trim(header[i])) == ascii_lower(trim(name))) return i;
  }
  return std::nullopt;
}

Result<TextDataset> build_text_dataset(const CsvTable& table, const TrainOptions& options) {
  const CsvRecord* first = first_data_record(table);
  if (first == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "csv_no_texts", "the CSV has no rows");
  }
  auto columns = pick_columns(table, *first, options);
  if (!columns) return fail(columns.error());
  RowStats stats;
  std::set<std::pair<std::string, std::string>> seen;
  std::unordered_map<std::string, std::string> label_of_text;
  std::set<std::string> conflicting;
  std::vector<std::pair<std::string, std::string>> rows;
  size_t needed = std::max(columns->text, columns->label) + 1;
  for (const auto& record : table.records) {
    if (columns->header && &record == first) continue;
    if (is_blank(record)) {
      stats.blank_lines.push_back(record.line);
      continue;
    }
    if (record.fields.size() < needed) {
      stats.short_lines.push_back(record.line);
      continue;
    }
    std::string text = record.fields[columns->text];
    std::string label = trim(record.fields[columns->label]);
    if (trim(text).empty()) {
      stats.empty_text_lines.push_back(record.line);
      continue;
    }
    if (label.empty()) {
      stats.empty_label_lines.push_back(record.line);
      continue;
    }
    if (!seen.emplace(text, label).second) {
      stats.duplicate_lines.push_back(record.line);
      continue;
    }
    auto [it, inserted] = label_of_text.emplace(text, label);
    if (!inserted && it->second != label) conflicting.insert(text);
    rows.emplace_back(std::move(text), std::move(label));
  }
  stats.conflicting_texts = static_cast<int>(conflicting.size());

  TextDataset dataset;
  for (const auto& row : rows) ++dataset.summary.class_counts[row.second];
  TRAINBOX_TRY(check_classes(dataset.summary.class_counts, rows.size()));
  std::map<std::string, int> index;
  for (const auto& [name, count] : dataset.summary.class_counts) {
    index[name] = static_cast<int>(dataset.summary.classes.size());
    dataset.summary.classes.push_back(name);
  }
  for (auto& [text, label] : rows) {
    dataset.texts.push_back(std::move(text));
    dataset.labels.push_back(index[label]);
  }
  dataset.summary.num_items = static_cast<int>(dataset.texts.size());
  dataset.summary.warnings = warnings_of(stats);
  auto [smallest, largest] =
      std::minmax_element(dataset.summary.class_counts.begin(), dataset.summary.class_counts.end(),
                          [](const auto& a, const auto& b) { return a.second < b.second; });
  if (largest->second >= 10 * smallest->second) {
    dataset.summary.warnings.push_back(
        fmt::format("imbalanced labels: \"{}\" has {} rows, \"{}\" {}; classes are weighted",
                    largest->first, largest->second, smallest->first, smallest->second));
  }
  if (columns->guessed) {
    dataset.summary.warnings.push_back(
        fmt::format("first row taken as a header: {}", fmt::join(first->fields, " | ")));
  }
  return dataset;
}

Result<TextDataset> read_text_dataset(const std::filesystem::path& csv, const TrainOptions& options,
                                      const CsvLimits& limits) {
  auto table = read_csv_file(csv, limits);
  if (!table) return fail(table.error());
  return build_text_dataset(*table, options);
}

}  // namespace trainbox::ml::text
