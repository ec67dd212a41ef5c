#pragma once
// Builds, from a Keras functional model read out of TF.js, the same network as a
// torch::jit::Module defined in TorchScript source (like the built-in CNNs), so it saves, loads,
// freezes and trains like any trainbox model. The module takes float[N,3,H,W] (channels first,
// RGB, scaled as the original model expects) and has:
//   forward(x)  -> float[N,F]  the features at the cut layer (the first rank-2 output, i.e. the
//                               globally pooled features), what trainbox uses as a backbone
//   classify(x) -> float[N,K]  the original model's full output (its own head), for verification
// Keras semantics kept exactly: "same" padding split as TensorFlow does (the extra pixel after),
// average pooling that does not count padding, batch norm epsilon from the config, ReLU
// max_value, NHWC flatten order for Dense weights. Batch norm always uses its moving statistics
// (also when fine-tuning: small datasets would make batch statistics noisy).
// Private to ml/backbones.

#include <torch/script.h>

#include <string>

#include "ml/backbones/tfjs_model.h"
#include "util/result.h"

namespace trainbox::ml::backbones {

struct KerasNetwork {
  torch::jit::Module module;
  std::string feature_layer;
  int64_t feature_dim = 0;
  int64_t num_outputs = 0;
  int64_t input_size = 0;    // square input side
  double feature_flops = 0;  // floating-point operations of forward() for one image
  int64_t parameter_count = 0;
};

// `feature_layer` empty = the first layer whose output is rank 2.
Result<KerasNetwork> build_keras_network(const TfjsModel& model, const std::string& feature_layer);

}  // namespace trainbox::ml::backbones
