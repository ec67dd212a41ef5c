#pragma once
// Reads a TensorFlow.js "layers" model from a folder: model.json (Keras topology + weights
// manifest) and its binary weight shards. Quantised weights (uint8/uint16 with min and scale) are
// dequantised the way tfjs does it: value = q * scale + min. Private to ml/backbones.

#include <torch/script.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/result.h"

namespace trainbox::ml::backbones {

struct KerasLayer {
  std::string name;
  std::string class_name;  // "Conv2D", "BatchNormalization", ...
  nlohmann::json config;
  std::vector<std::string> inputs;  // names of the layers feeding this one (node 0 only)
};

struct TfjsModel {
  std::vector<KerasLayer> layers;  // in file order, which Keras writes topologically
  std::string input_layer;
  std::string output_layer;
  std::vector<int64_t> input_shape;                // [H, W, C]
  std::map<std::string, torch::Tensor> weights;    // "Conv1/kernel" -> float tensor, TF layout
  std::map<std::string, std::string> file_sha256;  // every file read, by name
  std::string quantization;                        // "none", "uint8", "uint16" or a mix
};

Result<TfjsModel> read_tfjs_model(const std::filesystem::path& dir);

// Hex SHA-256 of a file's bytes.
Result<std::string> sha256_file(const std::filesystem::path& path);

}  // namespace trainbox::ml::backbones
