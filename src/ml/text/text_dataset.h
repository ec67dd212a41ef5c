#pragma once
// From a parsed CSV to labelled texts: picks the text and label columns, detects a header row,
// drops blank and duplicate rows (reported as warnings) and refuses datasets that cannot train.
// Torch-free.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ml/api.h"
#include "ml/options.h"
#include "ml/text/csv_reader.h"

namespace trainbox::ml::text {

inline constexpr size_t kMaxClasses = 1000;

struct TextDataset {
  std::vector<std::string> texts;
  std::vector<int> labels;  // index into summary.classes (sorted label names)
  DatasetSummary summary;
};

// Errors (kInvalidArgument): "csv_missing_column", "csv_no_texts", "need_at_least_2_classes",
// "class_too_small", "csv_too_many_classes".
Result<TextDataset> build_text_dataset(const CsvTable& table, const TrainOptions& options);

// Index of column `name` in a header row: the exact name first, then trimmed and
// case-insensitive (the rule build_text_dataset uses; the upload check calls it too).
std::optional<size_t> find_column(const std::vector<std::string>& header, const std::string& name);

// read_csv_file + build_text_dataset.
Result<TextDataset> read_text_dataset(const std::filesystem::path& csv, const TrainOptions& options,
                                      const CsvLimits& limits = {});

}  // namespace trainbox::ml::text
