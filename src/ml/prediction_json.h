#pragma once
// The one JSON shape of predictions, shared by POST /tasks/{id}/predict and `trainbox predict
// --json`: {"predictions":[{"label","score","top":[{"label","score"},...]},...]}.

#include <nlohmann/json.hpp>
#include <vector>

#include "ml/api.h"

namespace trainbox::ml {

nlohmann::json predictions_json(const std::vector<Prediction>& predictions);

}  // namespace trainbox::ml
