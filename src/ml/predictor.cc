// load_predictor: unpacks a bundle and hands it to the pipeline named by preprocess.json "kind".

#include <fmt/format.h>

#include <fstream>

#include "ml/api.h"
#include "ml/bundle/bundle.h"
#include "ml/image/image_predictor.h"
#include "ml/text/text_trainer.h"

namespace trainbox::ml {

Result<std::unique_ptr<Predictor>> load_predictor(const std::filesystem::path& bundle_zip,
                                                  const std::filesystem::path& scratch_dir) {
  auto dir = unpack_bundle(bundle_zip, scratch_dir);
  if (!dir) return fail(dir.error());
  std::ifstream in(*dir / "preprocess.json");
  auto preprocess = nlohmann::json::parse(in, nullptr, false);
  if (preprocess.is_discarded() || !preprocess.is_object() || !preprocess.contains("kind") ||
      !preprocess["kind"].is_string()) {
    return fail(ErrorCode::kInvalidArgument, "bundle_corrupt",
                "preprocess.json is missing or has no \"kind\"");
  }
  std::string kind = preprocess["kind"];
  if (kind == "image") return image::load_image_predictor(*dir);
  if (kind == "text") return text::load_text_predictor(*dir);
  return fail(ErrorCode::kInvalidArgument, "bundle_unknown_kind",
              fmt::format("bundle kind '{}' is neither image nor text", kind));
}

}  // namespace trainbox::ml
