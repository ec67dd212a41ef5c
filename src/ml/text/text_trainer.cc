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
#include <optional>
#include <random>
#include <unordered_set>

#include <fmt/format.h>

#include "ml/bundle/bundle.h"
#include "ml/eval/classification_metrics.h"
#include "ml/eval/validation_items.h"
#include "ml/text/text_dataset.h"
#include "ml/text/text_model.h"
#include "ml/text/text_readme.h"
#include "ml/text/text_trainer.h"
#include "ml/text/text_ensemble.h"
#include "ml/text/tfidf_model.h"
#include "ml/search/leaderboard.h"

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
  torch::Tensor probabilities;  // [rows, classes]
};

// Accuracy, loss and predictions of probabilities [rows, classes] against `labels`.
Evaluation evaluation_of(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  Evaluation e;
  e.probabilities = probabilities;
  auto predicted = probabilities.argmax(1).contiguous();
  e.accuracy = predicted.eq(labels).to(torch::kDouble).mean().item<double>();
  e.loss = -probabilities.gather(1, labels.unsqueeze(1)).clamp_min(1e-12).log().mean().item<double>();
  const int64_t* p = predicted.data_ptr<int64_t>();
  e.predicted.assign(p, p + predicted.numel());
  return e;
}

// Loss, accuracy and predictions of `model.logits` on `rows`, in batches.
Evaluation evaluate_rows(torch::jit::Module& model, const std::vector<std::vector<int64_t>>& ids,
                         const std::vector<int>& labels, const std::vector<size_t>& rows) {
  constexpr size_t kEvalBatch = 1024;
  torch::NoGradGuard no_grad;
  Evaluation result;
  std::vector<torch::Tensor> probabilities;
  double loss_sum = 0;
  double correct = 0;
  for (size_t begin = 0; begin < rows.size(); begin += kEvalBatch) {
    std::vector<size_t> part(rows.begin() + static_cast<long>(begin),
                             rows.begin() + static_cast<long>(std::min(begin + kEvalBatch,
                                                                       rows.size())));
    FeatureBatch batch = make_batch(ids, part);
    torch::Tensor targets = labels_tensor(labels, part);
    torch::Tensor logits = model.get_method("logits")({batch.ids, batch.offsets}).toTensor();
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, targets,
                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    torch::Tensor predicted = logits.argmax(1).contiguous();
    correct += predicted.eq(targets).sum().item<double>();
    const int64_t* p = predicted.data_ptr<int64_t>();
    for (int64_t i = 0; i < predicted.size(0); ++i) result.predicted.push_back(static_cast<int>(p[i]));
    probabilities.push_back(torch::softmax(logits, 1));
  }
  auto n = static_cast<double>(std::max<size_t>(rows.size(), 1));
  result.loss = loss_sum / n;
  result.accuracy = correct / n;
  if (!probabilities.empty()) result.probabilities = torch::cat(probabilities);
  return result;
}

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

// Saves the trained module, loads it back and compares it with the trained one on up to
// kParityRows validation texts as the server calls it (C++ ids, `forward`), and on the first
// kScriptParityRows through its own TorchScript `predict_texts` (featurising in TorchScript's
// interpreter costs milliseconds a text, so not all of them).
Status export_and_check(torch::jit::Module& model, const fsys::path& model_path,
                        const FeatureConfig& config, const std::vector<std::string>& texts) {
  constexpr size_t kScriptParityRows = 64;
  model.save(model_path.string());
  torch::jit::Module loaded = torch::jit::load(model_path.string());
  torch::Tensor trained = predict_probabilities(model, config, texts);
  std::vector<std::string> few(texts.begin(),
                               texts.begin() + static_cast<long>(std::min(texts.size(), kScriptParityRows)));
  std::pair<torch::Tensor, torch::Tensor> checks[] = {
      {trained, predict_probabilities(loaded, config, texts)},
      {trained.slice(0, 0, static_cast<int64_t>(few.size())),
       predict_texts_in_torchscript(loaded, few)}};
  for (const auto& [expected, exported] : checks) {
    bool same_shape = expected.sizes() == exported.sizes();
    double diff = same_shape ? (expected - exported).abs().max().item<double>() : 1.0;
    bool same_top1 = same_shape && expected.argmax(1).equal(exported.argmax(1));
    if (!same_top1 || diff > kParityTolerance) {
      return fail(ErrorCode::kInternal, "export_mismatch",
                  fmt::format("the exported model disagrees with the trained one on validation "
                              "texts (max probability difference {:.3g})",
                              diff));
    }
  }
  return {};
}

// Power of two >= 2 * distinct hashes, within [lo, hi].
int64_t buckets_for(size_t distinct, int64_t lo, int64_t hi) {
  int64_t buckets = lo;
  while (buckets < static_cast<int64_t>(2 * distinct) && buckets < hi) buckets *= 2;
  return buckets;
}

// The rows a candidate fits on: all of `rows`, or a seeded sample of at most `most` of them,
// so a full-batch fit stays within memory on a huge CSV.
std::vector<size_t> at_most(std::vector<size_t> rows, size_t most, uint64_t seed) {
  if (rows.size() <= most) return rows;
  std::mt19937_64 rng(seed);
  std::shuffle(rows.begin(), rows.end(), rng);
  rows.resize(most);
  std::sort(rows.begin(), rows.end());
  return rows;
}

struct TfidfOutcome {
  torch::jit::Module model;  // refitted on train + validation rows with the chosen C
  FeatureConfig config;
  Evaluation val;            // of the chosen C, fitted on the training rows only
  double c = 0;
  double rows_per_s = 0;
  nlohmann::json grid = nlohmann::json::array();
};

// The TF-IDF linear candidate: C chosen on validation from a small grid (warm-started from the
// previous C), then refitted on every labelled row with that C.
Result<TfidfOutcome> train_tfidf(const TextDataset& dataset, const Split& split,
                                 const TrainHooks& hooks, Reporter& report,
                                 Clock::time_point deadline) {
  // Full-batch L-BFGS holds every feature of its rows: cap the rows (a random sample).
  constexpr size_t kMaxRows = 100'000;
  // weight is [buckets, classes]: keep it within 32 MB.
  constexpr int64_t kMaxWeights = int64_t{1} << 23;
  const std::vector<double> kGrid = {1, 3, 10, 30, 100};
  auto fit_start = Clock::now();
  TfidfOutcome out;
  FeatureConfig& config = out.config;
  config.scheme = kTfidfScheme;
  config.word_ngrams = 2;
  config.char_min = 2;
  config.char_max = 5;
  size_t n = dataset.texts.size();
  std::vector<std::vector<uint32_t>> words(n), chars(n);
  std::unordered_set<uint32_t> distinct_words, distinct_chars;
  for (size_t i = 0; i < n; ++i) {
    if (i % 2048 == 0 && hooks.should_stop()) return cancelled();
    append_tfidf_hashes(dataset.texts[i], config, words[i], chars[i]);
    distinct_words.insert(words[i].begin(), words[i].end());
    distinct_chars.insert(chars[i].begin(), chars[i].end());
  }
  int64_t classes = static_cast<int64_t>(dataset.summary.classes.size());
  int64_t word_buckets = buckets_for(distinct_words.size(), 1 << 10, 1 << 18);
  int64_t char_buckets = buckets_for(distinct_chars.size(), 1 << 10, 1 << 19);
  while ((word_buckets + char_buckets) * classes > kMaxWeights && char_buckets > (1 << 10)) {
    if (char_buckets >= word_buckets) char_buckets /= 2; else word_buckets /= 2;
  }
  config.word_buckets = word_buckets;
  config.buckets = word_buckets + char_buckets;
  std::vector<std::vector<int64_t>> ids(n);
  for (size_t i = 0; i < n; ++i) {
    ids[i].reserve(words[i].size() + chars[i].size());
    for (uint32_t h : words[i]) ids[i].push_back(h % word_buckets);
    for (uint32_t h : chars[i]) ids[i].push_back(word_buckets + h % char_buckets);
    std::vector<uint32_t>().swap(words[i]);
    std::vector<uint32_t>().swap(chars[i]);
  }
  uint64_t seed = 0x7f1d;
  std::vector<size_t> train_rows = at_most(split.train, kMaxRows, seed);
  torch::Tensor train_labels = labels_tensor(dataset.labels, train_rows);
  torch::jit::Module model =
      make_tfidf_model(config, dataset.summary.classes, tfidf_idf(ids, train_rows, config.buckets));
  TfidfRows prepared(model, make_batch(ids, train_rows), train_labels);
  LinearFitOptions fit;
  fit.should_stop = hooks.should_stop;
  fit.deadline = deadline;
  std::vector<torch::Tensor> best_weights;
  double rows_fitted = 0;
  for (size_t g = 0; g < kGrid.size(); ++g) {
    if (g > 0 && Clock::now() > deadline) break;
    fit.c = kGrid[g];
    TRAINBOX_TRY(fit_tfidf_model(model, prepared, fit));
    rows_fitted += static_cast<double>(train_rows.size());
    Evaluation val = evaluate_rows(model, ids, dataset.labels, split.val);
    auto grid_size = static_cast<int>(kGrid.size());
    report({.phase = "training",
            .fraction = 0.1 + 0.3 * static_cast<double>(g + 1) / grid_size,
            .epoch = static_cast<int>(g) + 1,
            .epochs = grid_size,
            .live = {{"candidate", "tfidf_linear"}, {"C", fit.c}, {"loss", val.loss},
                     {"accuracy", val.accuracy}}},
           true);
    out.grid.push_back({{"C", fit.c}, {"val_accuracy", val.accuracy}, {"val_loss", val.loss}});
    bool better = best_weights.empty() || val.accuracy > out.val.accuracy ||
                  (val.accuracy == out.val.accuracy && val.loss < out.val.loss);
    if (better) {
      out.val = std::move(val);
      out.c = fit.c;
      best_weights = {model.attr("weight").toTensor().clone(), model.attr("bias").toTensor().clone()};
    }
  }
  // Refit on every labelled row: validation only chose C, and 20% more data helps a linear model.
  std::vector<size_t> all_rows(n);
  std::iota(all_rows.begin(), all_rows.end(), size_t{0});
  all_rows = at_most(all_rows, kMaxRows, seed);
  out.model =
      make_tfidf_model(config, dataset.summary.classes, tfidf_idf(ids, all_rows, config.buckets));
  {
    torch::NoGradGuard no_grad;
    out.model.attr("weight").toTensor().copy_(best_weights[0]);
    out.model.attr("bias").toTensor().copy_(best_weights[1]);
  }
  fit.c = out.c;
  // The refit gets a little time past the search's deadline: without it the model is the one
  // fitted on the training rows, which is still valid.
  fit.deadline = std::max(deadline, Clock::now() + std::chrono::seconds(5));
  TRAINBOX_TRY(fit_tfidf_model(
      out.model, TfidfRows(out.model, make_batch(ids, all_rows), labels_tensor(dataset.labels, all_rows)),
      fit));
  rows_fitted += static_cast<double>(all_rows.size());
  out.rows_per_s = rows_fitted / std::max(seconds_since(fit_start), 1e-9);
  return out;
}

// Saves `model` to work_dir/model.pt, checks it and writes the bundle.
Status export_text_bundle(torch::jit::Module& model, const FeatureConfig& config,
                          const TextDataset& dataset, const Split& split,
                          const TrainRequest& request, const nlohmann::json& metrics,
                          const Evaluation& val) {
  fsys::create_directories(request.work_dir);
  fsys::path model_path = request.work_dir / "model.pt";
  std::vector<std::string> parity_texts;
  for (size_t i = 0; i < std::min(split.val.size(), kParityRows); ++i) {
    parity_texts.push_back(dataset.texts[split.val[i]]);
  }
  TRAINBOX_TRY(export_and_check(model, model_path, config, parity_texts));
  BundleContents contents{model_path, class_map_json(dataset.summary.classes),
                          preprocess_json(config), metrics,
                          text_bundle_readme(dataset.summary.classes, config,
                                             metrics["val_accuracy"].get<double>()),
                          nlohmann::json()};
  constexpr size_t kShownBytes = 300;
  std::vector<int> truth;
  for (size_t row : split.val) truth.push_back(dataset.labels[row]);
  auto probabilities = val.probabilities.to(torch::kFloat).contiguous();
  contents.validation = eval::validation_json(
      "text", dataset.summary.classes, truth, probabilities.data_ptr<float>(),
      [&](size_t i, nlohmann::json& item) {
        item["text"] = eval::utf8_prefix(dataset.texts[split.val[i]], kShownBytes);
      });
  if (request.bundle_path.has_parent_path()) {
    fsys::create_directories(request.bundle_path.parent_path());
  }
  return write_bundle(contents, request.bundle_path);
}

// The candidates, cheapest and strongest first: the TF-IDF linear model (C chosen on
// validation, refitted on all rows), then the embedding model while the budget lasts. The one
// with the best validation accuracy (then loss) is exported; both go to metrics["leaderboard"].
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
  Split split = stratified_split(dataset->labels, dataset->summary.classes.size(),
                                 request.options.val_fraction, request.options.seed);
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                              request.options.time_budget_s * kTrainShareOfBudget));
  search::Leaderboard board;
  const std::string choice = request.options.backbone;  // "auto" | "tfidf_linear" | "embedding"
  bool want_tfidf = choice == "auto" || choice == "tfidf_linear";
  bool want_embedding = choice == "auto" || choice == "embedding";
  if (!want_tfidf && !want_embedding) {
    return fail(ErrorCode::kInvalidArgument, "invalid_option",
                fmt::format("model '{}' is not a text model; use auto, tfidf_linear or embedding",
                            choice));
  }

  std::optional<TfidfOutcome> tfidf;
  if (want_tfidf) {
    auto t0 = Clock::now();
    auto outcome = train_tfidf(*dataset, split, hooks, report, deadline);
    if (!outcome) return fail(outcome.error());
    tfidf = std::move(*outcome);
    auto score = search::scored("tfidf_linear", tfidf->val.accuracy, tfidf->val.loss,
                                seconds_since(t0), tfidf->rows_per_s);
    score.details = {{"C", tfidf->c}, {"grid", tfidf->grid}, {"buckets", tfidf->config.buckets},
                     {"refit_on_all_rows", true}};
    board.add(std::move(score));
  }

  std::optional<torch::jit::Module> embedding;
  std::optional<Features> features;
  std::optional<TextTrainer> trainer;
  Evaluation embedding_val;
  double embedding_seconds = 0;
  if (want_embedding && (choice == "embedding" || Clock::now() < deadline)) {
    auto t0 = Clock::now();
    auto f = featurize_all(dataset->texts, hooks, report);
    if (!f) return fail(f.error());
    features = std::move(*f);
    trainer.emplace(request, hooks, report, *dataset, *features);
    auto model = trainer->train(split, start);
    if (!model) return fail(model.error());
    embedding = std::move(*model);
    embedding_val = trainer->evaluate(*embedding, split.val);
    embedding_seconds = seconds_since(t0);
    double rows = static_cast<double>(split.train.size() * static_cast<size_t>(trainer->epochs_run()));
    auto score = search::scored("embedding", embedding_val.accuracy, embedding_val.loss,
                                embedding_seconds, rows / std::max(embedding_seconds, 1e-9));
    score.details = {{"epochs_run", trainer->epochs_run()}, {"buckets", features->config.buckets},
                     {"stopped_by_time_budget", trainer->stopped_by_budget()}};
    board.add(std::move(score));
  } else if (want_embedding) {
    board.skip("embedding", "the time budget was spent");
  }

  // The average of both, kept only if it beats each on validation.
  std::optional<Evaluation> ensemble_val;
  if (tfidf && embedding && choice == "auto") {
    ensemble_val = evaluation_of((tfidf->val.probabilities + embedding_val.probabilities) / 2,
                                 labels_tensor(dataset->labels, split.val));
    // Its cost is its members': predicting runs both.
    auto score = search::scored("ensemble(tfidf_linear+embedding)", ensemble_val->accuracy,
                                ensemble_val->loss,
                                board.entries()[0].seconds + board.entries()[1].seconds, 0);
    score.details = {{"members", 2}, {"averaged", "probabilities"}};
    board.add(std::move(score));
  }

  size_t winner = *board.best();
  const std::string winner_name = board.entries()[winner].candidate;
  bool tfidf_won = winner_name == "tfidf_linear";
  bool ensemble_won = winner_name.rfind("ensemble", 0) == 0;
  std::vector<size_t> kept = {winner};
  if (ensemble_won) kept = {0, 1, winner};
  size_t ran = 0;
  for (const auto& e : board.entries()) ran += e.seconds >= 0 ? 1 : 0;
  board.decide(kept, ran > 1 ? "best on validation" : "the only candidate");
  const Evaluation& val = ensemble_won ? *ensemble_val : tfidf_won ? tfidf->val : embedding_val;

  report({.phase = "evaluating", .fraction = 0.9}, true);
  std::vector<int> truth;
  for (size_t row : split.val) truth.push_back(dataset->labels[row]);
  TrainResult result;
  result.dataset = dataset->summary;
  result.metrics = eval::classification_metrics(dataset->summary.classes, truth, val.predicted);
  result.metrics["history"] = winner_name == "embedding" ? trainer->history() : nlohmann::json::array();
  result.metrics["leaderboard"] = board.to_json();
  result.metrics["train_seconds"] = seconds_since(start);
  result.metrics["train_rows_per_second"] = board.entries()[winner].items_per_s;
  result.metrics["num_train"] = split.train.size();
  result.metrics["num_val"] = split.val.size();
  result.metrics["stopped_by_time_budget"] = Clock::now() > deadline;
  std::string reason = fmt::format("auto: {} was best on validation ({:.3f}) of {} candidates",
                                   winner_name, val.accuracy, ran);
  if (tfidf_won || ensemble_won) {
    reason += fmt::format("; the TF-IDF model (C={}) was refitted on all {} rows", tfidf->c,
                          dataset->texts.size());
  }
  if (choice != "auto") reason = choice + " requested";
  result.metrics["model"] = {{"architecture", winner_name}, {"reason", reason}};

  report({.phase = "exporting", .fraction = 0.95}, true);
  if (hooks.should_stop()) return cancelled();
  FeatureConfig config;
  torch::jit::Module model;
  if (ensemble_won) {
    model = make_text_ensemble({{tfidf->model, tfidf->config}, {*embedding, features->config}},
                               dataset->summary.classes, config);
  } else {
    config = tfidf_won ? tfidf->config : features->config;
    model = tfidf_won ? tfidf->model : *embedding;
  }
  result.metrics["buckets"] = config.buckets;
  TRAINBOX_TRY(export_text_bundle(model, config, *dataset, split, request, result.metrics, val));
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
