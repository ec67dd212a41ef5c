#include "ml/api.h"

namespace trainbox::ml {

nlohmann::json to_json(const DatasetSummary& summary) {
  return {{"num_items", summary.num_items},
          {"class_counts", summary.class_counts},
          {"warnings", summary.warnings}};
}

nlohmann::json to_json(const DatasetLimits& limits) {
  return {{"max_archive_bytes", limits.max_archive_bytes},
          {"max_entry_bytes", limits.max_entry_bytes},
          {"max_entries", limits.max_entries},
          {"max_compression_ratio", limits.max_compression_ratio},
          {"max_image_pixels", limits.max_image_pixels}};
}

DatasetLimits dataset_limits_from_json(const nlohmann::json& json) {
  DatasetLimits limits;
  if (!json.is_object()) return limits;
  limits.max_archive_bytes = json.value("max_archive_bytes", limits.max_archive_bytes);
  limits.max_entry_bytes = json.value("max_entry_bytes", limits.max_entry_bytes);
  limits.max_entries = json.value("max_entries", limits.max_entries);
  limits.max_compression_ratio = json.value("max_compression_ratio", limits.max_compression_ratio);
  limits.max_image_pixels = json.value("max_image_pixels", limits.max_image_pixels);
  return limits;
}

const char* task_kind_name(TaskKind kind) { return kind == TaskKind::kText ? "text" : "image"; }

}  // namespace trainbox::ml
