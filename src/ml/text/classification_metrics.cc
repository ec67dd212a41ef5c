#include "ml/text/classification_metrics.h"

namespace trainbox::ml::text {
namespace {

double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

}  // namespace

nlohmann::json classification_metrics(const std::vector<int>& truth,
                                      const std::vector<int>& predicted,
                                      const std::vector<std::string>& classes) {
  size_t k = classes.size();
  std::vector<std::vector<int>> confusion(k, std::vector<int>(k, 0));
  int correct = 0;
  for (size_t i = 0; i < truth.size(); ++i) {
    ++confusion[static_cast<size_t>(truth[i])][static_cast<size_t>(predicted[i])];
    correct += truth[i] == predicted[i];
  }
  nlohmann::json per_class = nlohmann::json::object();
  for (size_t c = 0; c < k; ++c) {
    double tp = confusion[c][c];
    double support = 0;
    double predicted_c = 0;
    for (size_t j = 0; j < k; ++j) {
      support += confusion[c][j];
      predicted_c += confusion[j][c];
    }
    double precision = ratio(tp, predicted_c);
    double recall = ratio(tp, support);
    per_class[classes[c]] = {{"precision", precision},
                             {"recall", recall},
                             {"f1", ratio(2 * precision * recall, precision + recall)},
                             {"support", static_cast<int>(support)}};
  }
  return {{"val_accuracy", ratio(correct, static_cast<double>(truth.size()))},
          {"per_class", per_class},
          {"confusion_matrix", confusion}};
}

}  // namespace trainbox::ml::text
