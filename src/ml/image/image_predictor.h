#pragma once
// Loads an unpacked image bundle for serving. Torch-free header.

#include <filesystem>
#include <memory>

#include "ml/api.h"

namespace trainbox::ml::image {

// Reads model.pt, classes.json and preprocess.json from `bundle_dir`. The served module is a
// frozen, inference-optimised in-memory copy; files on disk are never changed.
// The Predictor is safe for concurrent predict calls.
Result<std::unique_ptr<Predictor>> load_image_predictor(const std::filesystem::path& bundle_dir);

}  // namespace trainbox::ml::image
