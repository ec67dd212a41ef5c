// Text training: read CSV -> hash features (C++ twin of the model's TorchScript featurize) ->
// train the jit::Module's parameters with Adagrad (sparse embedding gradients, so a step costs
// the rows it touches, not the whole table) -> keep the best epoch by validation loss -> save,
// reload, compare with the trained module ("export_mismatch") -> write the bundle.
// Progress goes through a throttled reporter called from every batch; should_stop is polled at
// every batch and every few thousand rows of featurisation.
#include "ml/text/text_trainer.h"

#include <fmt/format.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <numeric>
#include <optional>
#include <random>
#include <unordered_set>

#include "ml/bundle/bundle.h"
#include "ml/eval/classification_metrics.h"
#include "ml/eval/validation_items.h"
#include "ml/search/leaderboard.h"
#include "ml/text/embedding_candidate.h"
#include "ml/text/text_dataset.h"
#include "ml/text/text_ensemble.h"
#include "ml/text/text_model.h"
#include "ml/text/text_readme.h"
#include "ml/text/text_search_common.h"
#include "ml/text/tfidf_candidate.h"
#include "ml/text/tfidf_model.h"

namespace trainbox::ml::text {
namespace {

namespace fsys = std::filesystem;

constexpr size_t kParityRows = 512;
constexpr double kParityTolerance = 1e-4;

// One training reads at most this many rows and scores candidates on at most kMaxValRows of
// them: a 1,000,000-row CSV once held 3.8 GB of n-gram ids and spent its budget before the first
// fit. A linear text model gains little beyond this many rows.
constexpr size_t kMaxTrainingRows = 200'000;
constexpr size_t kMaxValRows = 20'000;

// Keeps a seeded sample of at most `most` rows, each class in proportion but never fewer than
// min(its rows, 20), and says so in the dataset's warnings.
void cap_rows(TextDataset& dataset, size_t most, uint64_t seed) {
  size_t n = dataset.texts.size();
  if (n <= most) return;
  std::vector<std::vector<size_t>> by_class(dataset.summary.classes.size());
  for (size_t i = 0; i < n; ++i) by_class[static_cast<size_t>(dataset.labels[i])].push_back(i);
  std::mt19937_64 rng(seed);
  std::vector<size_t> kept;
  for (auto& rows : by_class) {
    std::shuffle(rows.begin(), rows.end(), rng);
    size_t share = rows.size() * most / n;
    rows.resize(std::min(rows.size(), std::max<size_t>(share, 20)));
    kept.insert(kept.end(), rows.begin(), rows.end());
  }
  std::sort(kept.begin(), kept.end());
  TextDataset sample;
  sample.summary = std::move(dataset.summary);
  for (size_t i : kept) {
    sample.texts.push_back(std::move(dataset.texts[i]));
    sample.labels.push_back(dataset.labels[i]);
  }
  sample.summary.warnings.push_back(
      fmt::format("trained on a random sample of {} of the {} rows (the most one training reads), "
                  "every class kept in proportion",
                  kept.size(), n));
  dataset = std::move(sample);
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
  std::vector<std::string> few(
      texts.begin(), texts.begin() + static_cast<long>(std::min(texts.size(), kScriptParityRows)));
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
  BundleContents contents{
      model_path,
      class_map_json(dataset.summary.classes),
      preprocess_json(config),
      metrics,
      text_bundle_readme(dataset.summary.classes, config, metrics["val_accuracy"].get<double>()),
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
  cap_rows(*dataset, kMaxTrainingRows, request.options.seed);
  hooks.dataset_ready(dataset->summary);
  Split split = stratified_split(dataset->labels, dataset->summary.classes.size(),
                                 request.options.val_fraction, request.options.seed);
  if (split.val.size() > kMaxValRows) {  // the rest of them train instead
    std::vector<size_t> val = at_most(split.val, kMaxValRows, request.options.seed);
    std::vector<size_t> moved;
    std::set_difference(split.val.begin(), split.val.end(), val.begin(), val.end(),
                        std::back_inserter(moved));
    split.train.insert(split.train.end(), moved.begin(), moved.end());
    split.val = std::move(val);
  }
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
                              request.options.time_budget_s * kTrainShareOfBudget));
  search::Leaderboard board;
  const std::string choice = request.options.backbone;  // "auto" | "tfidf_linear" | "embedding"
  bool want_tfidf = choice == "auto" || choice == "tfidf_linear";
  bool want_embedding = choice == "auto" || choice == "embedding";
  if (!want_tfidf && !want_embedding) {
    return fail(
        ErrorCode::kInvalidArgument, "invalid_option",
        fmt::format("model '{}' is not a text model; use auto, tfidf_linear or embedding", choice));
  }

  std::optional<TfidfOutcome> tfidf;
  if (want_tfidf) {
    auto t0 = Clock::now();
    auto outcome = train_tfidf(*dataset, split, hooks, report, deadline);
    if (!outcome) return fail(outcome.error());
    tfidf = std::move(*outcome);
    auto score = search::scored("tfidf_linear", tfidf->val.accuracy, tfidf->val.loss,
                                seconds_since(t0), tfidf->rows_per_s);
    score.details = {{"C", tfidf->c},
                     {"grid", tfidf->grid},
                     {"buckets", tfidf->config.buckets},
                     {"refit_rows", tfidf->refit_rows}};
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
    double rows =
        static_cast<double>(split.train.size() * static_cast<size_t>(trainer->epochs_run()));
    auto score = search::scored("embedding", embedding_val.accuracy, embedding_val.loss,
                                embedding_seconds, rows / std::max(embedding_seconds, 1e-9));
    score.details = {{"epochs_run", trainer->epochs_run()},
                     {"buckets", features->config.buckets},
                     {"stopped_by_time_budget", trainer->stopped_by_budget()}};
    board.add(std::move(score));
  } else if (want_embedding) {
    board.skip("embedding", "the time budget was spent");
  }

  // The average of both, kept only if it beats each on validation.
  std::optional<Evaluation> ensemble_val;
  double tfidf_t = 1, embedding_t = 1;
  if (tfidf && embedding && choice == "auto") {
    auto val_labels = labels_tensor(dataset->labels, split.val);
    tfidf_t = fit_temperature(tfidf->val.probabilities, val_labels);
    embedding_t = fit_temperature(embedding_val.probabilities, val_labels);
    ensemble_val = evaluation_of((tempered(tfidf->val.probabilities, tfidf_t) +
                                  tempered(embedding_val.probabilities, embedding_t)) /
                                     2,
                                 val_labels);
    // Its cost is its members': predicting runs both.
    auto score = search::scored("ensemble(tfidf_linear+embedding)", ensemble_val->accuracy,
                                ensemble_val->loss,
                                board.entries()[0].seconds + board.entries()[1].seconds, 0);
    score.details = {{"members", 2},
                     {"averaged", "probabilities, each tempered on validation"},
                     {"temperatures", {tfidf_t, embedding_t}}};
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
  result.metrics["history"] =
      winner_name == "embedding" ? trainer->history() : nlohmann::json::array();
  result.metrics["leaderboard"] = board.to_json();
  result.metrics["train_seconds"] = seconds_since(start);
  result.metrics["train_rows_per_second"] = board.entries()[winner].items_per_s;
  result.metrics["num_train"] = split.train.size();
  result.metrics["num_val"] = split.val.size();
  result.metrics["stopped_by_time_budget"] = Clock::now() > deadline;
  std::string reason = fmt::format("auto: {} was best on validation ({:.3f}) of {} candidates",
                                   winner_name, val.accuracy, ran);
  if (tfidf_won || ensemble_won) {
    reason += fmt::format(
        "; the TF-IDF model (C={}) was refitted on {} rows (training + "
        "validation)",
        tfidf->c, tfidf->refit_rows);
  }
  if (choice != "auto") reason = choice + " requested";
  result.metrics["model"] = {{"architecture", winner_name}, {"reason", reason}};

  report({.phase = "exporting", .fraction = 0.95}, true);
  if (hooks.should_stop()) return cancelled();
  FeatureConfig config;
  torch::jit::Module model;
  if (ensemble_won) {
    model = make_text_ensemble(
        {{tfidf->model, tfidf->config, tfidf_t}, {*embedding, features->config, embedding_t}},
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
