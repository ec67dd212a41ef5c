#pragma once
// Evaluation numbers of a classifier, in the metrics JSON layout of ml/api.h. Torch-free.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace trainbox::ml::text {

// {"val_accuracy", "per_class": {name: {precision, recall, f1, support}},
//  "confusion_matrix": [[...]] (rows true class, columns predicted)}.
// REQUIRES: truth and predicted have equal sizes; every value indexes `classes`.
nlohmann::json classification_metrics(const std::vector<int>& truth,
                                      const std::vector<int>& predicted,
                                      const std::vector<std::string>& classes);

}  // namespace trainbox::ml::text
