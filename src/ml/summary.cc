#include "ml/api.h"

namespace trainbox::ml {

nlohmann::json to_json(const DatasetSummary& summary) {
  return {{"num_items", summary.num_items},
          {"class_counts", summary.class_counts},
          {"warnings", summary.warnings}};
}

const char* task_kind_name(TaskKind kind) { return kind == TaskKind::kText ? "text" : "image"; }

}  // namespace trainbox::ml
