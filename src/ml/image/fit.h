#pragma once
// The training loop for image classifiers: mini-batches with augmentation, class-weighted cross
// entropy, AdamW with a short warm-up and cosine decay, validation after every epoch, early
// stopping (no better epoch for `patience` epochs, or perfect validation accuracy for
// `perfect_patience` epochs) and the best epoch's weights restored at the end. Also the quick
// head-only fit on cached features. Private to ml/image; not thread-safe (one training per
// process).

#include <torch/script.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ml/api.h"
#include "ml/image/models.h"

namespace trainbox::ml::image {

struct Split {
  torch::Tensor images;  // uint8 [N,3,S,S]
  torch::Tensor labels;  // int64 [N]
};

struct FitOptions {
  std::string phase = "training";
  int epochs = 20;
  int batch_size = 32;
  double learning_rate = 2e-3;
  int patience = 6;
  int perfect_patience = 3;  // 0 = never stop early on perfect validation accuracy
  bool augment = true;
  bool flip = true;  // mirror half the images (part of augment); a mirrored glyph can be another
  // An epoch of a smaller set passes over the training images again (each time augmented
  // differently, in a new order) until it has this many samples: 48 images and 3 epochs were 6-18
  // optimizer steps, which left a network trained from scratch at chance level.
  int64_t min_samples_per_epoch = 0;
  bool choose_threads = false;  // measure all cores vs one on epochs 2-3 and keep the faster
  torch::Tensor class_weights;  // [C] or undefined
  std::chrono::steady_clock::time_point deadline;
  double fraction_from = 0.1, fraction_to = 0.9;  // share of the overall progress bar
};

struct EpochStats {
  int epoch = 0;
  double train_loss = 0, train_accuracy = 0, val_loss = 0, val_accuracy = 0;
};

struct FitResult {
  std::vector<EpochStats> history;
  int best_epoch = 0;
  double best_val_accuracy = -1;
  double best_val_loss = 0;
  double images_per_s = 0;
  int threads = 0;  // intra-op threads kept by choose_threads; 0 when it did not choose
};

struct Evaluation {
  double loss = 0, accuracy = 0;
  torch::Tensor probabilities;  // [N,C]
};

// Runs model.forward in eval mode on normalised batches.
Evaluation evaluate(torch::jit::Module& model, const Split& split, const ImageNorm& norm,
                    const torch::Tensor& class_weights);

// Trains every parameter of `model` (via its `logits` method). Returns kCancelled on a stop.
Result<FitResult> fit(torch::jit::Module& model, const Split& train, const Split& val,
                      const ImageNorm& norm, const FitOptions& options, const TrainHooks& hooks);

// Trains only head_w/head_b on features cached once from `model.features` (eval mode).
Result<FitResult> fit_head(torch::jit::Module& model, const Split& train, const Split& val,
                           const ImageNorm& norm, const FitOptions& options,
                           const TrainHooks& hooks);

nlohmann::json history_json(const std::vector<EpochStats>& history);

// The training or validation images of a dataset (is_val[i] == val).
Split take_split(const torch::Tensor& images, const torch::Tensor& labels,
                 const std::vector<bool>& is_val, bool val);
// "Balanced" class weights when the training classes are imbalanced (> 1.5x), else undefined.
torch::Tensor class_weights(const Split& train, int64_t classes);
// About 3,000 samples in total (at least 8 and at most 30 epochs).
int default_epochs(int64_t samples_per_epoch);
// Small sets get smaller batches: more optimizer steps per pass.
int default_batch_size(int64_t train_items);
// A built-in network trained from scratch needs a few thousand samples whatever the set's size:
// an epoch of a small set repeats its images (each time augmented differently) up to this many.
inline constexpr int64_t kMinSamplesPerEpoch = 384;
// fit_head's error slug when feature caching ran past options.deadline.
inline constexpr const char* kDeadlineSlug = "deadline_reached";

}  // namespace trainbox::ml::image
