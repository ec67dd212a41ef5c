#include "ml/options.h"

#include <fmt/format.h>

#include <cmath>

#include "ml/api.h"

namespace trainbox::ml {
namespace {

using nlohmann::json;

tl::unexpected<Error> invalid_option(const std::string& key, const std::string& expected) {
  return fail(ErrorCode::kInvalidArgument, "invalid_option",
              fmt::format("option '{}' must be {}", key, expected));
}

// Reads options[key] as a finite number within [lo, hi]; absent keys leave `out` untouched.
template <class T>
Status read_number(const json& options, const std::string& key, double lo, double hi, T& out) {
  if (!options.contains(key) || options[key].is_null()) return {};
  const json& value = options[key];
  if (!value.is_number()) return invalid_option(key, fmt::format("a number in [{}, {}]", lo, hi));
  double number = value.get<double>();
  if (!std::isfinite(number) || number < lo || number > hi) {
    return invalid_option(key, fmt::format("a number in [{}, {}]", lo, hi));
  }
  if constexpr (std::is_integral_v<T>) {
    if (number != std::floor(number)) return invalid_option(key, "a whole number");
  }
  out = static_cast<T>(number);
  return {};
}

template <class T>
Status read_optional(const json& options, const std::string& key, double lo, double hi,
                     std::optional<T>& out) {
  if (!options.contains(key) || options[key].is_null()) return {};
  T value{};
  TRAINBOX_TRY(read_number(options, key, lo, hi, value));
  out = value;
  return {};
}

Status read_string(const json& options, const std::string& key, std::string& out) {
  if (!options.contains(key) || options[key].is_null()) return {};
  if (!options[key].is_string()) return invalid_option(key, "a string");
  std::string value = options[key].get<std::string>();
  if (value.size() > 200) return invalid_option(key, "at most 200 characters");
  out = value;
  return {};
}

}  // namespace

Result<TrainOptions> parse_train_options(const json& options) {
  if (options.is_null()) return TrainOptions{};
  if (!options.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "invalid_options", "options must be a JSON object");
  }
  TrainOptions parsed;
  TRAINBOX_TRY(read_optional(options, "epochs", 1, 500, parsed.epochs));
  TRAINBOX_TRY(read_number(options, "time_budget_s", 1, 21600, parsed.time_budget_s));
  TRAINBOX_TRY(read_string(options, "backbone", parsed.backbone));
  TRAINBOX_TRY(read_number(options, "val_fraction", 0.05, 0.5, parsed.val_fraction));
  TRAINBOX_TRY(read_number(options, "seed", 0, 4294967295.0, parsed.seed));
  TRAINBOX_TRY(read_optional(options, "batch_size", 1, 512, parsed.batch_size));
  TRAINBOX_TRY(read_optional(options, "learning_rate", 1e-9, 10, parsed.learning_rate));
  TRAINBOX_TRY(read_optional(options, "image_size", 32, 512, parsed.image_size));
  TRAINBOX_TRY(read_string(options, "text_column", parsed.text_column));
  TRAINBOX_TRY(read_string(options, "label_column", parsed.label_column));
  if (parsed.backbone.empty()) parsed.backbone = "auto";
  return parsed;
}

Status check_model_for_kind(TaskKind kind, const std::string& model) {
  bool text_model = model == "tfidf_linear" || model == "embedding";
  if (kind == TaskKind::kText && model != "auto" && !text_model) {
    return fail(ErrorCode::kInvalidArgument, "invalid_option",
                fmt::format("backbone '{}' is not a text model; a text task takes auto, "
                            "tfidf_linear or embedding",
                            model.substr(0, 64)));
  }
  if (kind == TaskKind::kImage && text_model) {
    return fail(ErrorCode::kInvalidArgument, "invalid_option",
                fmt::format("backbone '{}' is a text model; an image task takes auto, kernel_rbf, "
                            "tiny_cnn, cnn_224, head:NAME or an installed backbone",
                            model));
  }
  return {};
}

json to_json(const TrainOptions& options) {
  json out = {{"time_budget_s", options.time_budget_s},
              {"backbone", options.backbone},
              {"val_fraction", options.val_fraction},
              {"seed", options.seed}};
  if (options.epochs) out["epochs"] = *options.epochs;
  if (options.batch_size) out["batch_size"] = *options.batch_size;
  if (options.learning_rate) out["learning_rate"] = *options.learning_rate;
  if (options.image_size) out["image_size"] = *options.image_size;
  if (!options.text_column.empty()) out["text_column"] = options.text_column;
  if (!options.label_column.empty()) out["label_column"] = options.label_column;
  return out;
}

}  // namespace trainbox::ml
