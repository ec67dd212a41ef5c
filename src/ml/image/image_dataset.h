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
  double median_side = 0;  // of a sample of images, before resizing
  size_t num_files = 0;    // image files planned (before unreadable ones are skipped)
};

// Side used for tiny_cnn when nothing fixes it: about the images' own side (rounded to 16), at
// least 32 and at most auto_size_cap(num_images). Small sets train at small sizes: from scratch,
// a few hundred images cannot teach fine detail, and each halving of the side makes an epoch ~4x
// cheaper (the web page uploads everything at 224 px). predict_raw resizes any input anyway.
int auto_image_size(double median_side, size_t num_images);
// 64 below 1,000 images, 96 below 3,000, else 112.
int auto_size_cap(size_t num_images);

Result<ImageDataset> read_image_dataset(const std::filesystem::path& dataset,
                                        const ReadOptions& options, const TrainHooks& hooks);

}  // namespace trainbox::ml::image
