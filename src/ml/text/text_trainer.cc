// Text training: read CSV -> hash features (C++ twin of the model's TorchScript featurize) ->
// train the jit::Module's parameters with Adagrad (sparse embedding gradients, so a step costs
// the rows it touches, not the whole table) -> keep the best epoch by validation loss -> save,
// reload, compare with the trained module ("export_mismatch") -> write the bundle.
// Progress goes through a throttled reporter called from every batch; should_stop is polled at
// every batch and every few thousand rows of featurisation.
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <random>
#include <unordered_set>

#include <fmt/format.h>

#include "ml/bundle/bundle.h"
#include "ml/eval/classification_metrics.h"
#include "ml/text/text_dataset.h"
#include "ml/text/text_model.h"
#include "ml/text/text_readme.h"
#include "ml/text/text_trainer.h"

namespace trainbox::ml::text {
namespace {

namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kDim = 64;
constexpr int kDefaultBatch = 32;
constexpr double kDefaultLearningRate = 0.2;
constexpr int kPatience = 5;
constexpr int kTargetSteps = 3000;  // default epochs aim at about this many optimizer steps
constexpr size_t kParityRows = 512;
constexpr double kParityTolerance = 1e-4;
constexpr double kTrainShareOfBudget = 0.85;  // the rest is for evaluation and export

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

tl::unexpected<Error> cancelled() {
  return fail(ErrorCode::kCancelled, "cancelled", "training was stopped on request");
}

// Calls hooks.report at most every kInterval unless forced; callers call it often.
class Reporter {
 public:
  explicit Reporter(const TrainHooks& hooks) : hooks_(hooks) {}
  void operator()(TrainProgress progress, bool force = false) {
    constexpr double kInterval = 0.5;
    if (!force && seconds_since(last_) < kInterval) return;
    last_ = Clock::now();
    hooks_.report(progress);
  }

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
                       uint64_t seed) {
  std::vector<std::vector<size_t>> by_class(num_classes);
  for (size_t i = 0; i < labels.size(); ++i) by_class[static_cast<size_t>(labels[i])].push_back(i);
  std::mt19937_64 rng(seed);
  Split split;
  for (auto& rows : by_class) {
    std::shuffle(rows.begin(), rows.end(), rng);
    auto n = static_cast<double>(rows.size());
    size_t val = std::clamp<size_t>(static_cast<size_t>(std::lround(val_fraction * n)), 1,
                                    rows.size() - 1);
    split.val.insert(split.val.end(), rows.begin(), rows.begin() + static_cast<long>(val));
    split.train.insert(split.train.end(), rows.begin() + static_cast<long>(val), rows.end());
  }
  std::sort(split.val.begin(), split.val.end());
  return split;
}

int64_t choose_buckets(size_t distinct_features) {
  int64_t buckets = 1 << 12;
  while (buckets < static_cast<int64_t>(2 * distinct_features) && buckets < (1 << 18)) {
    buckets *= 2;
  }
  return buckets;
}

struct Features {
  FeatureConfig config;
  std::vector<std::vector<int64_t>> ids;
};

Result<Features> featurize_all(const std::vector<std::string>& texts, const TrainHooks& hooks,
                               Reporter& report) {
  constexpr size_t kCheckEvery = 2048;
  Features features;
  std::vector<std::vector<uint32_t>> hashes(texts.size());
  std::unordered_set<uint32_t> distinct;
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i % kCheckEvery == 0) {
      if (hooks.should_stop()) return cancelled();
      report({.phase = "features",
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

torch::Tensor labels_tensor(const std::vector<int>& labels, const std::vector<size_t>& rows) {
  torch::Tensor out = torch::empty({static_cast<int64_t>(rows.size())}, torch::kLong);
  for (size_t i = 0; i < rows.size(); ++i) out[static_cast<int64_t>(i)] = labels[rows[i]];
  return out;
}

// "Balanced" weights n / (k * n_c) over the training rows.
torch::Tensor class_weights(const std::vector<int>& labels, const std::vector<size_t>& rows,
                            size_t num_classes) {
  std::vector<double> counts(num_classes, 0);
  for (size_t row : rows) counts[static_cast<size_t>(labels[row])] += 1;
  torch::Tensor weights = torch::empty({static_cast<int64_t>(num_classes)});
  for (size_t c = 0; c < num_classes; ++c) {
    weights[static_cast<int64_t>(c)] = static_cast<double>(rows.size()) /
                                       (static_cast<double>(num_classes) * std::max(counts[c], 1.0));
  }
  return weights;
}

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  std::vector<int> predicted;
};

class TextTrainer {
 public:
  TextTrainer(const TrainRequest& request, const TrainHooks& hooks, Reporter& report,
              const TextDataset& dataset, const Features& features)
      : request_(request), hooks_(hooks), report_(report), dataset_(dataset),
        features_(features) {}

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
    std::vector<size_t> rows(order.begin() + static_cast<long>(begin),
                             order.begin() + static_cast<long>(std::min(begin + batch_size,
                                                                        order.size())));
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
    double eta = std::min(per_step * static_cast<double>(steps_planned_ - std::min(
                                         steps_done_, steps_planned_)),
                          deadline_s_ - seconds_since(start_));
    report_({.phase = "training", .fraction = 0.1 + 0.8 * std::min(fraction, 1.0),
             .epoch = epoch, .epochs = epochs, .eta_s = std::max(eta, 0.0),
             .live = {{"loss", loss_sum / static_cast<double>(seen)},
                      {"accuracy", correct / static_cast<double>(seen)}}});
  }
  epoch_loss_ = seen > 0 ? loss_sum / static_cast<double>(seen) : 0;
  epoch_accuracy_ = seen > 0 ? correct / static_cast<double>(seen) : 0;
  return {};
}

Evaluation TextTrainer::evaluate(torch::jit::Module& model, const std::vector<size_t>& rows) {
  constexpr size_t kEvalBatch = 1024;
  torch::NoGradGuard no_grad;
  Evaluation result;
  double loss_sum = 0;
  double correct = 0;
  for (size_t begin = 0; begin < rows.size(); begin += kEvalBatch) {
    std::vector<size_t> part(rows.begin() + static_cast<long>(begin),
                             rows.begin() + static_cast<long>(std::min(begin + kEvalBatch,
                                                                       rows.size())));
    FeatureBatch batch = make_batch(features_.ids, part);
    torch::Tensor targets = labels_tensor(dataset_.labels, part);
    torch::Tensor logits = model.get_method("logits")({batch.ids, batch.offsets}).toTensor();
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, targets,
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    torch::Tensor predicted = logits.argmax(1);
    correct += predicted.eq(targets).sum().item<double>();
    for (int64_t i = 0; i < predicted.size(0); ++i) {
      result.predicted.push_back(static_cast<int>(predicted[i].item<int64_t>()));
    }
  }
  auto n = static_cast<double>(std::max<size_t>(rows.size(), 1));
  result.loss = loss_sum / n;
  result.accuracy = correct / n;
  return result;
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
      params, torch::optim::AdagradOptions(
                  request_.options.learning_rate.value_or(kDefaultLearningRate)));
  std::vector<torch::Tensor> best;
  double best_loss = std::numeric_limits<double>::infinity();
  int since_best = 0;
  for (int epoch = 1; epoch <= epochs && since_best < kPatience && !stopped_by_budget_; ++epoch) {
    TRAINBOX_TRY(run_epoch(model, optimizer, split, epoch, epochs));
    Evaluation val = evaluate(model, split.val);
    report_({.phase = "training",
             .fraction = 0.1 + 0.8 * static_cast<double>(epoch) / static_cast<double>(epochs),
             .epoch = epoch, .epochs = epochs,
             .live = {{"loss", epoch_loss_}, {"accuracy", epoch_accuracy_},
                      {"val_loss", val.loss}, {"val_accuracy", val.accuracy}}},
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

// Saves the trained module, loads it back and compares it on up to kParityRows validation texts.
Status export_and_check(torch::jit::Module& model, const fsys::path& model_path,
                        const FeatureConfig& config, const std::vector<std::string>& texts) {
  model.save(model_path.string());
  torch::jit::Module loaded = torch::jit::load(model_path.string());
  torch::Tensor trained = predict_probabilities(model, config, texts);
  torch::Tensor exported = predict_texts_in_torchscript(loaded, texts);
  bool same_shape = trained.sizes() == exported.sizes();
  double diff = same_shape ? (trained - exported).abs().max().item<double>() : 1.0;
  bool same_top1 = same_shape && trained.argmax(1).equal(exported.argmax(1));
  if (!same_top1 || diff > kParityTolerance) {
    return fail(ErrorCode::kInternal, "export_mismatch",
                fmt::format("the exported model disagrees with the trained one on validation "
                            "texts (max probability difference {:.3g})",
                            diff));
  }
  return {};
}

Result<TrainResult> train_checked(const TrainRequest& request, const TrainHooks& hooks) {
  Clock::time_point start = Clock::now();
  Reporter report(hooks);
  report({.phase = "reading"}, true);
  // The server's archive size limit also caps a CSV, where it is tighter than the reader's own.
  CsvLimits csv_limits;
  csv_limits.max_bytes = std::min(csv_limits.max_bytes, request.limits.max_archive_bytes);
  auto dataset = read_text_dataset(request.dataset, request.options, csv_limits);
  if (!dataset) return fail(dataset.error());
  hooks.dataset_ready(dataset->summary);
  auto features = featurize_all(dataset->texts, hooks, report);
  if (!features) return fail(features.error());
  Split split = stratified_split(dataset->labels, dataset->summary.classes.size(),
                                 request.options.val_fraction, request.options.seed);

  TextTrainer trainer(request, hooks, report, *dataset, *features);
  double train_start = seconds_since(start);
  auto model = trainer.train(split, start);
  if (!model) return fail(model.error());
  double train_seconds = seconds_since(start) - train_start;

  report({.phase = "evaluating", .fraction = 0.9}, true);
  Evaluation val = trainer.evaluate(*model, split.val);
  std::vector<int> truth;
  for (size_t row : split.val) truth.push_back(dataset->labels[row]);
  TrainResult result;
  result.dataset = dataset->summary;
  result.metrics = eval::classification_metrics(dataset->summary.classes, truth, val.predicted);
  result.metrics["history"] = trainer.history();
  result.metrics["train_seconds"] = train_seconds;
  result.metrics["train_rows_per_second"] =
      static_cast<double>(split.train.size() * static_cast<size_t>(trainer.epochs_run())) /
      std::max(train_seconds, 1e-9);
  result.metrics["num_train"] = split.train.size();
  result.metrics["num_val"] = split.val.size();
  result.metrics["stopped_by_time_budget"] = trainer.stopped_by_budget();
  result.metrics["buckets"] = features->config.buckets;

  report({.phase = "exporting", .fraction = 0.95}, true);
  if (hooks.should_stop()) return cancelled();
  fsys::create_directories(request.work_dir);
  fsys::path model_path = request.work_dir / "model.pt";
  std::vector<std::string> parity_texts;
  for (size_t i = 0; i < std::min(split.val.size(), kParityRows); ++i) {
    parity_texts.push_back(dataset->texts[split.val[i]]);
  }
  TRAINBOX_TRY(export_and_check(*model, model_path, features->config, parity_texts));
  BundleContents contents{model_path, class_map_json(dataset->summary.classes),
                          preprocess_json(features->config), result.metrics,
                          text_bundle_readme(dataset->summary.classes, features->config,
                                             result.metrics["val_accuracy"].get<double>())};
  if (request.bundle_path.has_parent_path()) {
    fsys::create_directories(request.bundle_path.parent_path());
  }
  TRAINBOX_TRY(write_bundle(contents, request.bundle_path));
  report({.phase = "exporting", .fraction = 1.0, .eta_s = 0}, true);
  return result;
}

}  // namespace

Result<TrainResult> train_text(const TrainRequest& request, const TrainHooks& hooks) {
  // One intra-op thread unless asked: the model's ops are tiny, and on 2 busy cores OpenMP's
  // spinning made steps 5-10x slower with 2 threads (measured 2-3 ms vs 12-33 ms per step).
  at::set_num_threads(std::max(request.threads, 1));
  // The profiling executor re-specialises TorchScript methods for every new batch shape, which
  // made each training step ~100 ms; the model is three ops, so plain interpretation is faster.
  torch::jit::GraphOptimizerEnabledGuard no_profiling(false);
  try {
    return train_checked(request, hooks);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, "training_failed",
                fmt::format("text training failed: {}", e.what()));
  }
}

}  // namespace trainbox::ml::text
