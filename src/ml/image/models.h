#pragma once
// Image classifiers as torch::jit::Modules built in C++ (parameters registered, methods defined in
// TorchScript source), so the trained module is the exported one. Every model has:
//   features(x: float[N,3,S,S] normalised) -> float[N,F]
//   logits(x) -> float[N,C]            (training)
//   forward(x) -> probabilities [N,C]  (softmax of logits)
//   preprocess(images: uint8[N,H,W,3]) -> float[N,3,S,S]  (THE RESIZE RULE, see preprocess.json)
//   predict_raw(images: uint8[N,H,W,3]) -> probabilities [N,C]
// Private to ml/image. Modules are not safe for concurrent training; inference is.

#include <torch/script.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "ml/image/image_norm.h"
#include "util/result.h"

namespace trainbox::ml::image {

// A TorchScript feature extractor and its metadata (backbones_dir/NAME.pt + NAME.json).
struct Backbone {
  std::string name;
  torch::jit::Module module;
  ImageNorm norm;
  int feature_dim = 0;
};

// "tiny_cnn" (32..112 px) or "cnn_224".
torch::jit::Module make_builtin_cnn(const std::string& name, int num_classes, const ImageNorm& norm,
                                    uint64_t seed);
// Wraps a backbone with a fresh linear head (head_w, head_b).
torch::jit::Module make_backbone_classifier(const Backbone& backbone, int num_classes,
                                            uint64_t seed);
// Attributes every image model has: training, image_size, buffers mean and std [1,3,1,1].
void register_input_norm(torch::jit::Module& m, const ImageNorm& norm);
// TorchScript `preprocess(images)` and `predict_raw(images)` (uint8 [N,H,W,3] in), for a module
// with register_input_norm's attributes and a `forward`.
const char* raw_input_methods();
// square_resize of a whole uint8 batch [N,3,H,W] to [N,3,size,size] uint8 (rounded), in chunks.
torch::Tensor resize_batch(const torch::Tensor& images_uint8, int size);

// Loads backbones_dir/name.pt and name.json ({"input_size", "mean", "std", "feature_dim"}).
// Checks that forward(zeros[1,3,S,S]) gives feature_dim features.
Result<Backbone> load_backbone(const std::filesystem::path& backbones_dir, const std::string& name);
// Names with both NAME.json and NAME.pt in `backbones_dir`, sorted; empty when there is none.
std::vector<std::string> installed_backbones(const std::filesystem::path& backbones_dir);
// Compute per image of a backbone, from its JSON's feature_gflops; infinity when it is unknown.
double backbone_gflops(const std::filesystem::path& backbones_dir, const std::string& name);

// The resize rule on one HWC uint8 image: largest centred square crop, bilinear antialiased
// resize to size x size (align_corners=false), as float in 0..255, shape [3,S,S].
torch::Tensor square_resize(const torch::Tensor& hwc_uint8, int size);
// (x/255 - mean)/std for a float batch [N,3,S,S] in 0..255.
torch::Tensor normalise(const torch::Tensor& batch_0_255, const ImageNorm& norm);

// All parameters and buffers (recursively), for snapshots of the best epoch.
std::vector<torch::Tensor> model_state(const torch::jit::Module& module);

}  // namespace trainbox::ml::image
