#pragma once
// Image classification: ImageFolder zip/dir -> trained, exported, parity-checked bundle.

#include "ml/api.h"

namespace trainbox::ml::image {

Result<TrainResult> train_image(const TrainRequest& request, const TrainHooks& hooks);

}  // namespace trainbox::ml::image
