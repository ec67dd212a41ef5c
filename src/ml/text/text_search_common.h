#pragma once
// What the text candidates share: the split, progress reporting, evaluation of a model on rows
// and row sampling. Private to ml/text (includes LibTorch).

#include <torch/script.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "ml/api.h"
#include "ml/text/text_features.h"
#include "util/result.h"

namespace trainbox::ml::text {

using Clock = std::chrono::steady_clock;

// Of the time budget, the share candidates may train; the rest is for evaluation and export.
inline constexpr double kTrainShareOfBudget = 0.85;

double seconds_since(Clock::time_point start);
tl::unexpected<Error> cancelled();

// Calls hooks.report at most every half second unless forced; callers call it often.
class Reporter {
 public:
  explicit Reporter(const TrainHooks& hooks) : hooks_(hooks) {}
  void operator()(TrainProgress progress, bool force = false);

 private:
  const TrainHooks& hooks_;
  Clock::time_point last_ = Clock::now() - std::chrono::hours(1);
};

struct Split {
  std::vector<size_t> train;
  std::vector<size_t> val;
};

// Per class, a seeded shuffle; round(val_fraction * n) rows, at least 1 and at most n - 1, to val.
Split stratified_split(const std::vector<int>& labels, size_t num_classes, double val_fraction,
                       uint64_t seed);

torch::Tensor labels_tensor(const std::vector<int>& labels, const std::vector<size_t>& rows);

// "Balanced" weights n / (k * n_c) over the training rows.
torch::Tensor class_weights(const std::vector<int>& labels, const std::vector<size_t>& rows,
                            size_t num_classes);

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  std::vector<int> predicted;
  torch::Tensor probabilities;  // [rows, classes]
};

// Accuracy, loss and predictions of probabilities [rows, classes] against `labels`.
Evaluation evaluation_of(const torch::Tensor& probabilities, const torch::Tensor& labels);

// Loss, accuracy and predictions of `model.logits` on `rows`, in batches.
Evaluation evaluate_rows(torch::jit::Module& model, const std::vector<std::vector<int64_t>>& ids,
                         const std::vector<int>& labels, const std::vector<size_t>& rows);

// Power of two >= 2 * distinct hashes, within [lo, hi].
int64_t buckets_for(size_t distinct, int64_t lo, int64_t hi);

// The rows a candidate fits on: all of `rows`, or a seeded sample of at most `most` of them,
// so a full-batch fit stays within memory on a huge CSV.
std::vector<size_t> at_most(std::vector<size_t> rows, size_t most, uint64_t seed);

}  // namespace trainbox::ml::text
