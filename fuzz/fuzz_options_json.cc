// libFuzzer target: the training options a client sends (JSON text) through the same parse and
// validation as POST /api/v1/tasks.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string_view>

#include "ml/options.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return 0;
  auto options = trainbox::ml::parse_train_options(json);
  if (options) (void)trainbox::ml::to_json(*options);
  return 0;
}
