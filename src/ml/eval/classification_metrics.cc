#include "ml/eval/classification_metrics.h"

namespace trainbox::ml::eval {

nlohmann::json classification_metrics(const std::vector<std::string>& classes,
                                      const std::vector<int>& truth,
                                      const std::vector<int>& predicted) {
  size_t c = classes.size();
  std::vector<std::vector<int>> confusion(c, std::vector<int>(c, 0));
  int correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ++confusion[truth[i]][predicted[i]];
    correct += truth[i] == predicted[i];
  }
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t k = 0; k < c; ++k) {
    int tp = confusion[k][k], actual = 0, guessed = 0;
    for (size_t j = 0; j < c; ++j) {
      actual += confusion[k][j];
      guessed += confusion[j][k];
    }
    double precision = guessed ? static_cast<double>(tp) / guessed : 0;
    double recall = actual ? static_cast<double>(tp) / actual : 0;
    double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
    per_class[classes[k]] = {
        {"precision", precision}, {"recall", recall}, {"f1", f1}, {"support", actual}};
  }
  double accuracy = truth.empty() ? 0 : static_cast<double>(correct) / truth.size();
  return {{"val_accuracy", accuracy}, {"per_class", per_class}, {"confusion_matrix", confusion}};
}

}  // namespace trainbox::ml::eval
