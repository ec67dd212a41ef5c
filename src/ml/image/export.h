#pragma once
// Writes the image bundle (model.pt, classes.json, preprocess.json, metrics.json, README.md) and
// checks it: the saved model is loaded back and must give the same top-1 and probabilities within
// 1e-4 as the trained model on the validation images, or the export fails. Private to ml/image.

#include <torch/script.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ml/image/models.h"
#include "util/result.h"

namespace trainbox::ml::image {

struct ExportRequest {
  std::string architecture;
  std::vector<std::string> classes;
  ImageNorm norm;
  nlohmann::json metrics;
  torch::Tensor check_inputs;  // normalised float [N,3,S,S] (validation images)
  std::filesystem::path work_dir;
  std::filesystem::path bundle_path;
  nlohmann::json validation;  // validation.json, or null
};

// validation.json for image tasks: thumbnails (<= 64 px) of the validation images [V,3,S,S]
// uint8, their dataset paths, and the trained model's probabilities [V,C].
nlohmann::json image_validation_json(const std::vector<std::string>& classes,
                                     const torch::Tensor& val_images,
                                     const torch::Tensor& val_labels,
                                     const torch::Tensor& probabilities,
                                     const std::vector<std::string>& paths);

// preprocess.json for an image model.
nlohmann::json image_preprocess_json(const std::string& architecture, const ImageNorm& norm);

Status export_image_bundle(torch::jit::Module& model, const ExportRequest& request);

}  // namespace trainbox::ml::image
