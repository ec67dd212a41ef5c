#pragma once
// An ensemble of image models as one TorchScript module: forward(x) takes the input of the
// largest member (its size, mean and std, which become the ensemble's), gives each member the
// same pixels at its own size and normalisation (antialiased resize of the de-normalised input),
// and averages their probabilities. Also preprocess/predict_raw (models.h). Private to ml/image.

#include <torch/script.h>

#include <vector>

#include "ml/image/image_norm.h"

namespace trainbox::ml::image {

struct EnsembleMember {
  torch::jit::Module model;  // an image model (forward on its own normalised input)
  ImageNorm norm;
};

// The ensemble module and its input norm (through `norm`).
torch::jit::Module make_ensemble(const std::vector<EnsembleMember>& members, ImageNorm& norm);

}  // namespace trainbox::ml::image
