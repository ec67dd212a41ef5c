#pragma once
// Pretrained backbones: a backbone is NAME.pt (TorchScript feature extractor: forward(x float
// [N,3,S,S] normalised with mean/std) -> [N,F]) plus NAME.json (input_size, mean, std,
// feature_dim, provenance) in a backbones folder. trainbox never downloads one: they are converted
// offline from TF.js layers models shipped in npm packages (scripts/install_backbones.sh).
// LibTorch headers never appear here.

#include <array>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/result.h"

namespace trainbox::ml {

struct ConvertBackboneRequest {
  std::filesystem::path tfjs_dir;  // model.json + weight shards (+ optional classes.json)
  std::string name;                // backbone name: [a-z0-9_]+
  std::filesystem::path out_dir;   // the backbones folder
  std::string feature_layer;       // empty: the first layer with a rank-2 output
  // Provenance, recorded in NAME.json.
  std::string package, package_version, licence, model_path;
  // The input scaling the original model expects, as trainbox's (x/255 - mean)/std.
  std::array<double, 3> mean{0, 0, 0}, std{1, 1, 1};
};

// Converts a TF.js layers model into backbones/NAME.pt + NAME.json (both written atomically, the
// JSON last) and returns the JSON. The written file is reloaded and checked against the module it
// came from before the JSON appears.
Result<nlohmann::json> convert_tfjs_backbone(const ConvertBackboneRequest& request);

// The JSON of every installed backbone (both files present), sorted by name, each with "name",
// "pt_bytes" and, when its JSON cannot be read, "error".
std::vector<nlohmann::json> list_backbones(const std::filesystem::path& backbones_dir);

}  // namespace trainbox::ml
