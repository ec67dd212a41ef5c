#include "ml/text/embedding_candidate.h"

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "ml/text/text_model.h"

namespace trainbox::ml::text {
namespace {

constexpr int64_t kDim = 64;
constexpr int kDefaultBatch = 32;
constexpr double kDefaultLearningRate = 0.2;
constexpr int kPatience = 5;
constexpr int kTargetSteps = 3000;  // default epochs aim at about this many optimizer steps

int64_t choose_buckets(size_t distinct_features) {
  int64_t buckets = 1 << 12;
  while (buckets < static_cast<int64_t>(2 * distinct_features) && buckets < (1 << 18)) {
    buckets *= 2;
  }
  return buckets;
}

}  // namespace

Result<Features> featurize_all(const std::vector<std::string>& texts, const TrainHooks& hooks,
                               Reporter& report) {
  constexpr size_t kCheckEvery = 2048;
  Features features;
  std::vector<std::vector<uint32_t>> hashes(texts.size());
  std::unordered_set<uint32_t> distinct;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i % kCheckEvery == 0) {
      if (hooks.should_stop()) return cancelled();
      report(
          {.phase = "features",
           .fraction = 0.05 + 0.05 * static_cast<double>(i) / static_cast<double>(texts.size())});
    }
    append_feature_hashes(texts[i], features.config, hashes[i]);
    distinct.insert(hashes[i].begin(), hashes[i].end());
  }
  features.config.buckets = choose_buckets(distinct.size());
  features.ids.resize(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    features.ids[i].reserve(hashes[i].size());
    for (uint32_t h : hashes[i]) features.ids[i].push_back(h % features.config.buckets);
  }
  return features;
}

Status TextTrainer::run_epoch(torch::jit::Module& model, torch::optim::Optimizer& optimizer,
                              const Split& split, int epoch, int epochs) {
  size_t batch_size = static_cast<size_t>(request_.options.batch_size.value_or(kDefaultBatch));
  std::vector<size_t> order = shuffled(split.train);
  double loss_sum = 0;
  double correct = 0;
  size_t seen = 0;
  for (size_t begin = 0; begin < order.size(); begin += batch_size) {
    if (hooks_.should_stop()) return cancelled();
    if (seconds_since(start_) > deadline_s_) {
      stopped_by_budget_ = true;
      break;
    }
    std::vector<size_t> rows(
        order.begin() + static_cast<long>(begin),
        order.begin() + static_cast<long>(std::min(begin + batch_size, order.size())));
    FeatureBatch batch = make_batch(features_.ids, rows);
    torch::Tensor targets = labels_tensor(dataset_.labels, rows);
    torch::Tensor logits = model.get_method("logits")({batch.ids, batch.offsets}).toTensor();
    torch::Tensor loss = torch::nn::functional::cross_entropy(
        logits, targets, torch::nn::functional::CrossEntropyFuncOptions().weight(weights_));
    for (auto p : model.parameters()) p.mutable_grad() = torch::Tensor();
    loss.backward();
    optimizer.step();
    auto n = static_cast<double>(rows.size());
    loss_sum += loss.item<double>() * n;
    correct += logits.argmax(1).eq(targets).sum().item<double>();
    seen += rows.size();
    ++steps_done_;
    double fraction = static_cast<double>(steps_done_) / static_cast<double>(steps_planned_);
    double per_step = seconds_since(start_) / static_cast<double>(steps_done_);
    double eta = std::min(
        per_step * static_cast<double>(steps_planned_ - std::min(steps_done_, steps_planned_)),
        deadline_s_ - seconds_since(start_));
    report_({.phase = "training",
             .fraction = 0.1 + 0.8 * std::min(fraction, 1.0),
             .epoch = epoch,
             .epochs = epochs,
             .eta_s = std::max(eta, 0.0),
             .live = {{"loss", loss_sum / static_cast<double>(seen)},
                      {"accuracy", correct / static_cast<double>(seen)}}});
  }
  epoch_loss_ = seen > 0 ? loss_sum / static_cast<double>(seen) : 0;
  epoch_accuracy_ = seen > 0 ? correct / static_cast<double>(seen) : 0;
  return {};
}

Evaluation TextTrainer::evaluate(torch::jit::Module& model, const std::vector<size_t>& rows) {
  return evaluate_rows(model, features_.ids, dataset_.labels, rows);
}

Result<torch::jit::Module> TextTrainer::train(const Split& split, Clock::time_point start) {
  start_ = start;
  deadline_s_ = request_.options.time_budget_s * kTrainShareOfBudget;
  size_t batch_size = static_cast<size_t>(request_.options.batch_size.value_or(kDefaultBatch));
  size_t steps_per_epoch = (split.train.size() + batch_size - 1) / batch_size;
  int epochs = request_.options.epochs.value_or(
      std::clamp(static_cast<int>(kTargetSteps / steps_per_epoch), 5, 50));
  steps_planned_ = steps_per_epoch * static_cast<size_t>(epochs);
  weights_ = class_weights(dataset_.labels, split.train, dataset_.summary.classes.size());

  torch::manual_seed(request_.options.seed);
  torch::jit::Module model = make_text_model(features_.config, dataset_.summary.classes, kDim);
  std::vector<torch::Tensor> params;
  for (auto p : model.parameters()) params.push_back(p.requires_grad_(true));
  torch::optim::Adagrad optimizer(
      params,
      torch::optim::AdagradOptions(request_.options.learning_rate.value_or(kDefaultLearningRate)));
  std::vector<torch::Tensor> best;
  double best_loss = std::numeric_limits<double>::infinity();
  int since_best = 0;
  for (int epoch = 1; epoch <= epochs && since_best < kPatience && !stopped_by_budget_; ++epoch) {
    TRAINBOX_TRY(run_epoch(model, optimizer, split, epoch, epochs));
    Evaluation val = evaluate(model, split.val);
    report_({.phase = "training",
             .fraction = 0.1 + 0.8 * static_cast<double>(epoch) / static_cast<double>(epochs),
             .epoch = epoch,
             .epochs = epochs,
             .live = {{"loss", epoch_loss_},
                      {"accuracy", epoch_accuracy_},
                      {"val_loss", val.loss},
                      {"val_accuracy", val.accuracy}}},
            true);
    history_.push_back({{"epoch", epoch},
                        {"train_loss", epoch_loss_},
                        {"train_accuracy", epoch_accuracy_},
                        {"val_loss", val.loss},
                        {"val_accuracy", val.accuracy}});
    if (val.loss < best_loss - 1e-6) {
      best_loss = val.loss;
      since_best = 0;
      best.clear();
      for (const auto& p : params) best.push_back(p.detach().clone());
    } else {
      ++since_best;
    }
  }
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    if (!best.empty()) params[i].copy_(best[i]);
    params[i].requires_grad_(false);
    params[i].mutable_grad() = torch::Tensor();
  }
  return model;
}

}  // namespace trainbox::ml::text
