#pragma once
// Text classification: CSV of text,label rows -> trained, exported, parity-checked bundle.

#include "ml/api.h"

namespace trainbox::ml::text {

Result<TrainResult> train_text(const TrainRequest& request, const TrainHooks& hooks);

// Loads the text model from an unpacked bundle folder (model.pt, classes.json, preprocess.json).
Result<std::unique_ptr<Predictor>> load_text_predictor(const std::filesystem::path& bundle_dir);

}  // namespace trainbox::ml::text
