#include "ml/prediction_json.h"

namespace trainbox::ml {

nlohmann::json predictions_json(const std::vector<Prediction>& predictions) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& prediction : predictions) {
    nlohmann::json top = nlohmann::json::array();
    for (const auto& scored : prediction.top) {
      top.push_back({{"label", scored.label}, {"score", scored.score}});
    }
    out.push_back({{"label", prediction.label}, {"score", prediction.score}, {"top", top}});
  }
  return {{"predictions", out}};
}

}  // namespace trainbox::ml
