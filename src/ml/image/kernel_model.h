#pragma once
// The "classic" image candidate: kernel ridge regression with an RBF kernel on small raw pixels
// (grey when every image is grey), one-vs-rest targets, scores calibrated into probabilities
// by a temperature fitted on validation. On small glyphs and photos this is what an SVM on
// pixels scores, in seconds. As a TorchScript module with the image model interface (models.h):
//   forward(x normalised [N,3,S,S]) -> probabilities; logits(x); preprocess; predict_raw.
// Support vectors, coefficients, gamma and the temperature are stored in the module.
// Private to ml/image.

#include <torch/script.h>

#include <functional>
#include <nlohmann/json.hpp>

#include "ml/image/fit.h"
#include "ml/image/image_norm.h"
#include "util/result.h"

namespace trainbox::ml::image {

struct KernelCandidate {
  torch::jit::Module model;         // refitted on train + validation with the chosen settings
  ImageNorm norm;                   // its input: side S, mean 0, std 1
  torch::Tensor val_probabilities;  // [V,C] of the chosen settings fitted on training images only
  double val_accuracy = 0, val_loss = 0;
  nlohmann::json details;  // side, grey, gamma, lambda, temperature, support vectors
};

// `train` and `val` hold uint8 [N,3,H,W] images (any one side H=W). should_stop is polled
// between solves.
Result<KernelCandidate> fit_kernel_candidate(const Split& train, const Split& val, int classes,
                                             uint64_t seed,
                                             const std::function<bool()>& should_stop);

}  // namespace trainbox::ml::image
