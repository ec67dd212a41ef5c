#pragma once
// The embedding candidate: fastText-style hashed word and char n-grams into an embedding bag,
// trained by Adagrad with early stopping on validation loss, best epoch kept. Private to ml/text
// (includes LibTorch).

#include <torch/script.h>
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <random>

#include "ml/text/text_dataset.h"
#include "ml/text/text_search_common.h"

namespace trainbox::ml::text {

struct Features {
  FeatureConfig config;
  std::vector<std::vector<int64_t>> ids;
};

// Every text's ids under the embedding scheme, with buckets sized to the distinct n-grams.
Result<Features> featurize_all(const std::vector<std::string>& texts, const TrainHooks& hooks,
                               Reporter& report);

class TextTrainer {
 public:
  TextTrainer(const TrainRequest& request, const TrainHooks& hooks, Reporter& report,
              const TextDataset& dataset, const Features& features)
      : request_(request), hooks_(hooks), report_(report), dataset_(dataset), features_(features) {}

  // Trains and returns the module restored to its best epoch; fills history_.
  Result<torch::jit::Module> train(const Split& split, Clock::time_point start);
  Evaluation evaluate(torch::jit::Module& model, const std::vector<size_t>& rows);
  const nlohmann::json& history() const { return history_; }
  bool stopped_by_budget() const { return stopped_by_budget_; }
  int epochs_run() const { return static_cast<int>(history_.size()); }

 private:
  Status run_epoch(torch::jit::Module& model, torch::optim::Optimizer& optimizer,
                   const Split& split, int epoch, int epochs);
  std::vector<size_t> shuffled(std::vector<size_t> rows) {
    std::shuffle(rows.begin(), rows.end(), rng_);
    return rows;
  }

  const TrainRequest& request_;
  const TrainHooks& hooks_;
  Reporter& report_;
  const TextDataset& dataset_;
  const Features& features_;
  std::mt19937_64 rng_{request_.options.seed};
  torch::Tensor weights_;
  nlohmann::json history_ = nlohmann::json::array();
  Clock::time_point start_;
  double deadline_s_ = 0;
  size_t steps_done_ = 0;
  size_t steps_planned_ = 1;
  bool stopped_by_budget_ = false;
  double epoch_loss_ = 0;
  double epoch_accuracy_ = 0;
};

}  // namespace trainbox::ml::text
