#pragma once
// Training options as a user sends them (the `options` JSON of POST /tasks), parsed and validated
// once. Unknown keys are ignored (never applied); out-of-range values are refused with a slug.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/result.h"

namespace trainbox::ml {

struct TrainOptions {
  std::optional<int> epochs;      // 1..500; default chosen from the data
  double time_budget_s = 300;     // 1..21600
  std::string backbone = "auto";  // "auto" | a built-in name | an installed backbone
  double val_fraction = 0.2;      // 0.05..0.5
  uint64_t seed = 42;
  std::optional<int> batch_size;        // 1..512
  std::optional<double> learning_rate;  // (0, 10]
  std::optional<int> image_size;        // 32..512
  std::string text_column = "";         // empty = "text", else first column
  std::string label_column = "";        // empty = "label", else second column
};

Result<TrainOptions> parse_train_options(const nlohmann::json& options);
nlohmann::json to_json(const TrainOptions& options);

}  // namespace trainbox::ml
