#pragma once
// Intake checks run at upload, before a task is stored or queued, so a client gets the 4xx at
// once: what can be decided from a zip's central directory (names, links, encryption, sizes,
// layout, classes) and from one streaming pass over a CSV (encoding, fields, rows, columns,
// labels). Image pixels are not decoded here: that stays in the worker. The checks call the
// same code as the worker (SafeZip, plan_image_folder, the CSV reader, build_text_dataset), so a
// refusal at upload carries the slug the worker would give.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "ml/api.h"
#include "ml/options.h"
#include "util/result.h"

namespace trainbox::service {

struct IntakeLimits {
  // TaskService::create runs the checks only when set: open_backends sets it for every server;
  // off by default for tests whose uploads are stand-ins (e.g. "PK\x03\x04" and nothing else).
  bool enabled = false;
  ml::DatasetLimits dataset;          // the worker's archive limits (sizes, entries, ratio)
  size_t max_classes = 1000;          // class folders or labels; "too_many_classes"
  uint64_t max_csv_rows = 1'000'000;  // non-blank data rows; "csv_too_long"
};

// A zip image dataset. Errors: the worker's SafeZip slugs (archive_path_traversal,
// archive_symlink, archive_encrypted, archive_too_many_entries, archive_entry_too_large,
// archive_too_large, archive_ratio_exceeded), "archive_invalid" (truncated, overlapping
// entries), "archive_duplicate_entry" (same name twice, or names differing only in case),
// "too_many_classes", "need_at_least_2_classes", "dataset_class_too_small".
Status check_image_upload(const std::filesystem::path& zip, const IntakeLimits& limits);

// A CSV text dataset, read by one streaming pass (the file is mapped, never copied whole).
// Errors: the CSV reader's (csv_unsupported_encoding, csv_invalid_utf8, csv_field_too_large,
// csv_too_wide, csv_unbalanced_quotes, csv_too_large), "csv_too_long", and
// build_text_dataset's (csv_missing_column, csv_no_texts, need_at_least_2_classes,
// class_too_small, csv_too_many_classes), "too_many_classes".
Status check_text_upload(const std::filesystem::path& csv, const ml::TrainOptions& options,
                         const IntakeLimits& limits);

// A predict request's images: 413 "too_many_pixels" when their sizes, read from the headers
// before any decoding, add up to more than `max_mpixels` megapixels. Images whose size cannot be
// read count as 0 here; the decoder refuses them.
Status check_predict_pixels(const std::vector<std::string>& files, double max_mpixels);

// The zip's structure from its end of central directory record: "archive_invalid" when the
// directory is missing or lies outside the file (truncated), an entry runs into the directory,
// zip64 sizes are announced without their fields, or two entries' data overlap (a bomb built
// from overlapping entries); "archive_too_many_entries" above `max_entries`.
Status check_zip_layout(const std::filesystem::path& zip, uint64_t max_entries);

}  // namespace trainbox::service
