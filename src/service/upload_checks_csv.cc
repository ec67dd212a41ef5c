// The CSV checks: scan_csv streams the records of the mapped file; a small sample of them (the
// first row and, per label, up to two rows with distinct texts) goes to build_text_dataset, so
// the verdict on columns and labels is the text trainer's own.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "ml/text/csv_reader.h"
#include "ml/text/text_dataset.h"
#include "service/upload_checks.h"

namespace trainbox::service {
namespace fsys = std::filesystem;
namespace {

// A read-only mapping of a file: the CSV is scanned in place, never copied into memory.
class MappedFile {
 public:
  ~MappedFile() {
    if (data_ != nullptr) munmap(data_, size_);
  }
  Status open(const fsys::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || fstat(fd, &st) != 0) {
      if (fd >= 0) ::close(fd);
      return fail(ErrorCode::kInvalidArgument, "csv_unreadable", "the CSV cannot be read");
    }
    size_ = static_cast<size_t>(st.st_size);
    if (size_ > 0) {
      void* data = mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd, 0);
      if (data == MAP_FAILED) {
        ::close(fd);
        return fail(ErrorCode::kInvalidArgument, "csv_unreadable", "the CSV cannot be read");
      }
      data_ = data;
      madvise(data_, size_, MADV_SEQUENTIAL);
    }
    ::close(fd);
    return {};
  }
  std::string_view view() const { return {static_cast<const char*>(data_), data_ ? size_ : 0}; }

 private:
  void* data_ = nullptr;
  size_t size_ = 0;
};

std::string trim(std::string_view s) {
  size_t begin = s.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return "";
  size_t end = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(begin, end - begin + 1));
}

// The rows build_text_dataset needs to give its verdict on the whole file: the first row (header
// or not), one row repeating the first row's label (its header test), and for every label (up to
// one more than the class limit) up to two rows with distinct texts. Class counts below 2 and the
// number of labels up to the limit are the same as in the whole file.
class LabelSample {
 public:
  explicit LabelSample(const ml::TrainOptions& options) : options_(options) {}

  void add(const ml::text::CsvRecord& record) {
    if (table_.records.empty()) return add_first(record);
    const auto& fields = record.fields;
    bool keep = false;
    if (!first_label_seen_ && label_ < fields.size() && trim(fields[label_]) == first_label_) {
      keep = first_label_seen_ = true;
    }
    if (fields.size() > std::max(text_, label_)) keep |= add_row(fields);
    if (keep) table_.records.push_back(record);
  }
  const ml::text::CsvTable& table() const { return table_; }

 private:
  void add_first(const ml::text::CsvRecord& record) {
    table_.records.push_back(record);
    const auto& fields = record.fields;
    auto text =
        ml::text::find_column(fields, options_.text_column.empty() ? "text" : options_.text_column);
    auto label = ml::text::find_column(
        fields, options_.label_column.empty() ? "label" : options_.label_column);
    if (text && label) {
      text_ = *text, label_ = *label;
    } else if (text || label) {
      text_ = text ? *text : (*label == 0 ? 1 : 0);
      label_ = label ? *label : (*text == 0 ? 1 : 0);
    }
    if (label_ < fields.size()) first_label_ = trim(fields[label_]);
  }

  bool add_row(const std::vector<std::string>& fields) {
    std::string label = trim(fields[label_]);
    const std::string& text = fields[text_];
    if (label.empty() || trim(text).empty()) return false;
    auto it = texts_.find(label);
    if (it == texts_.end()) {
      if (texts_.size() > ml::text::kMaxClasses) return false;
      it = texts_.emplace(std::move(label), std::vector<std::string>{}).first;
    }
    auto& texts = it->second;
    if (texts.size() >= 2 || std::find(texts.begin(), texts.end(), text) != texts.end()) {
      return false;
    }
    texts.push_back(text);
    return true;
  }

  const ml::TrainOptions& options_;
  ml::text::CsvTable table_;
  size_t text_ = 0, label_ = 1;
  std::string first_label_;
  bool first_label_seen_ = false;
  std::unordered_map<std::string, std::vector<std::string>> texts_;
};

}  // namespace

Status check_text_upload(const fsys::path& csv, const ml::TrainOptions& options,
                         const IntakeLimits& limits) {
  MappedFile file;
  TRAINBOX_TRY(file.open(csv));
  ml::text::CsvLimits csv_limits;  // as the text trainer sets them
  csv_limits.max_bytes = std::min(csv_limits.max_bytes, limits.dataset.max_archive_bytes);
  LabelSample sample(options);
  uint64_t rows = 0;
  auto scanned = ml::text::scan_csv(file.view(), csv_limits, [&](const ml::text::CsvRecord& r) {
    if (ml::text::is_blank(r)) return true;
    if (++rows > limits.max_csv_rows + 1) return false;  // + 1: the header row
    sample.add(r);
    return true;
  });
  if (!scanned) return fail(scanned.error());
  if (rows > limits.max_csv_rows + 1) {
    return fail(ErrorCode::kInvalidArgument, "csv_too_long",
                fmt::format("the CSV has more than {} rows; the limit is {}", limits.max_csv_rows,
                            limits.max_csv_rows));
  }
  auto dataset = ml::text::build_text_dataset(sample.table(), options);
  if (!dataset) return fail(dataset.error());
  if (dataset->summary.classes.size() > limits.max_classes) {
    return fail(ErrorCode::kInvalidArgument, "too_many_classes",
                fmt::format("the label column has {} distinct values; the limit is {}",
                            dataset->summary.classes.size(), limits.max_classes));
  }
  return {};
}

}  // namespace trainbox::service
