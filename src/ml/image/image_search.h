#pragma once
// The image model search that `backbone: "auto"` runs: candidates cheapest first, all scored on
// the same validation images, each within its share of the time budget:
//   kernel_rbf        kernel ridge on small raw pixels (seconds; kernel_model.h)
//   tiny_cnn          from scratch at the images' own size, augmentation without mirroring
//   tiny_cnn+flip     the same with mirrored images, only if the first was competitive
//   head:BACKBONE     a linear head on the cached features of each installed backbone, cheapest
//                     first, while the estimated caching time fits what is left
//   ensemble(...)     averaged probabilities of the best two or three, kept only if it wins
// The search stops early once validation accuracy reaches 99%. Private to ml/image.

#include <torch/script.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ml/api.h"
#include "ml/image/fit.h"
#include "ml/image/image_dataset.h"
#include "ml/search/leaderboard.h"

namespace trainbox::ml::image {

struct SearchRequest {
  const TrainRequest* train_request = nullptr;
  ReadOptions read;  // how the base dataset was read (re-read at a backbone's size)
  std::chrono::steady_clock::time_point deadline;
  // Candidates to run: empty = all of auto; else e.g. {"kernel_rbf"}.
  std::vector<std::string> only;
};

struct SearchOutcome {
  torch::jit::Module model;  // the winner, single or ensemble
  std::string architecture;
  ImageNorm norm;
  torch::Tensor val_probabilities;  // [V,C] on the base dataset's validation images
  std::vector<EpochStats> history;  // of the winner when it is one trained network
  search::Leaderboard board;
  nlohmann::json model_info;  // architecture, image_size, reason, ...
};

Result<SearchOutcome> search_image_models(const ImageDataset& base, const Split& train,
                                          const Split& val, const SearchRequest& request,
                                          const TrainHooks& hooks);

}  // namespace trainbox::ml::image
