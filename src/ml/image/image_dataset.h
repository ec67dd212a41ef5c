#pragma once
// Reads an ImageFolder dataset (zip or folder) into memory as uint8 tensors already cropped and
// resized by the resize rule, decoding on several threads. Applies every intake refusal
// (archive safety, pixel limit, too few classes, classes with < 2 usable images) and collects
// the dataset warnings. Private to ml/image.

#include <torch/script.h>

#include <filesystem>
#include <string>
#include <vector>

#include "ml/api.h"
#include "ml/data/image_decode.h"
#include "ml/data/safe_zip.h"

namespace trainbox::ml::image {

struct ReadOptions {
  data::ArchiveLimits limits;
  uint64_t max_pixels = data::kDefaultMaxPixels;
  int size = 0;  // output side; 0 = chosen from the data (auto_image_size)
  double val_fraction = 0.2;
  uint64_t seed = 42;
  int threads = 2;
};

struct ImageDataset {
  std::vector<std::string> classes;
  int size = 0;
  torch::Tensor images;      // uint8 [N,3,S,S]
  torch::Tensor labels;      // int64 [N]
  std::vector<bool> is_val;  // explicit split or stratified split
  std::vector<std::string> paths;
  DatasetSummary summary;
  double median_side = 0;
};

// Side used when nothing fixes it: images up to ~160 px keep about their size (rounded to 16,
// 32..112) for tiny_cnn; larger images use 224 for cnn_224.
int auto_image_size(double median_side);

Result<ImageDataset> read_image_dataset(const std::filesystem::path& dataset,
                                        const ReadOptions& options, const TrainHooks& hooks);

}  // namespace trainbox::ml::image
