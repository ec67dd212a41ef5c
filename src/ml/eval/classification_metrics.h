#pragma once
// Classification metrics as the API reports them: accuracy, per-class precision/recall/F1/support
// and the confusion matrix (rows = true class, columns = predicted, in class index order).
// Torch-free; pure functions.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trainbox::ml::eval {

// {"val_accuracy", "per_class": {name: {precision, recall, f1, support}}, "confusion_matrix"}.
// REQUIRES: truth.size() == predicted.size(); labels in [0, classes.size()).
nlohmann::json classification_metrics(const std::vector<std::string>& classes,
                                      const std::vector<int>& truth,
                                      const std::vector<int>& predicted);

}  // namespace trainbox::ml::eval
