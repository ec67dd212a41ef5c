// Design: read (decode in parallel) -> dataset_ready -> pick the model -> train -> evaluate ->
// export + parity check. The model choice and its reason go to metrics["model"], every candidate
// tried to metrics["leaderboard"]. `auto` (and `kernel_rbf`) run the model search of
// image_search.h. A name asks for one model: built-in CNNs train end to end; with an installed
// backbone, a linear head is trained on features cached once (seconds), then the whole network is
// fine-tuned with what is left of the time budget, and the fine-tuned weights are kept only if
// validation accuracy improved. LibTorch exceptions are caught here, at the boundary, and become
// errors.

#include "ml/image/image_trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <thread>

#include "ml/eval/classification_metrics.h"
#include "ml/image/export.h"
#include "ml/image/fit.h"
#include "ml/image/image_dataset.h"
#include "ml/image/image_search.h"
#include "ml/image/models.h"

namespace trainbox::ml::image {
namespace {

using Clock = std::chrono::steady_clock;

bool is_builtin(const std::string& name) {
  return name == "auto" || name == "tiny_cnn" || name == "cnn_224" || name == "kernel_rbf";
}

// Names the model search handles: auto (every candidate) or one of its candidates alone
// ("kernel_rbf", "head:BACKBONE" for a head on an installed backbone's cached features).
bool uses_search(const std::string& name) {
  return name == "auto" || name == "kernel_rbf" || name.rfind("head:", 0) == 0;
}

// Validation inputs for the export's parity check: enough to catch a mismatch, few enough that
// a 224 px model's check costs seconds, not minutes (all 4,000 of a 20,000-image set at 224 px
// were one 2.4 GB tensor).
torch::Tensor parity_inputs(const torch::Tensor& val_images, const ImageNorm& norm) {
  int64_t most = norm.size >= 160 ? 16 : 64;
  auto images = val_images.slice(0, 0, std::min(most, val_images.size(0)));
  return normalise(resize_batch(images, norm.size).to(torch::kFloat), norm);
}

Split take(const ImageDataset& ds, bool val) {
  return take_split(ds.images, ds.labels, ds.is_val, val);
}

struct Plan {
  std::string architecture;  // empty until the data is read when auto picks a built-in
  std::string reason;        // why this model; completed after training for a backbone
  std::optional<Backbone> backbone;
  ReadOptions read;
};

data::ArchiveLimits archive_limits(const DatasetLimits& limits) {
  data::ArchiveLimits out;
  out.max_total_bytes = limits.max_archive_bytes;
  out.max_entry_bytes = limits.max_entry_bytes;
  out.max_entries = limits.max_entries;
  out.max_ratio = limits.max_compression_ratio;
  return out;
}

Result<Plan> plan_model(const TrainRequest& request, int threads) {
  const TrainOptions& o = request.options;
  Plan plan;
  plan.read.limits = archive_limits(request.limits);
  plan.read.max_pixels = request.limits.max_image_pixels;
  plan.read.val_fraction = o.val_fraction;
  plan.read.seed = o.seed;
  plan.read.threads = threads;
  plan.read.size = o.image_size.value_or(o.backbone == "cnn_224" ? 224 : 0);
  if (o.backbone == "tiny_cnn" && plan.read.size == 0) plan.read.size = 64;
  std::string backbone_name;
  if (!is_builtin(o.backbone)) {
    if (request.backbones_dir.empty()) {
      return fail(ErrorCode::kInvalidArgument, "backbone_not_found",
                  fmt::format("backbone '{}' is not built in and no backbones folder is "
                              "configured; use auto, tiny_cnn or cnn_224",
                              o.backbone));
    }
    backbone_name = o.backbone;
    plan.reason = fmt::format("backbone '{}' requested", backbone_name);
  } else {
    plan.architecture = o.backbone;
    plan.reason = plan.architecture + " requested";
  }
  if (!backbone_name.empty()) {
    auto backbone = load_backbone(request.backbones_dir, backbone_name);
    if (!backbone) return fail(backbone.error());
    plan.read.size = backbone->norm.size;
    plan.architecture = "backbone:" + backbone_name;
    plan.backbone = std::move(*backbone);
  }
  return plan;
}

nlohmann::json final_metrics(torch::jit::Module& model, const ImageDataset& ds, const Split& val,
                             const ImageNorm& norm, const std::vector<EpochStats>& history) {
  auto e = evaluate(model, val, norm, {});
  auto predicted = e.probabilities.argmax(1).contiguous();
  auto truth = val.labels.contiguous();
  std::vector<int> p(predicted.data_ptr<int64_t>(),
                     predicted.data_ptr<int64_t>() + predicted.numel());
  std::vector<int> t(truth.data_ptr<int64_t>(), truth.data_ptr<int64_t>() + truth.numel());
  auto metrics = eval::classification_metrics(ds.classes, t, p);
  metrics["history"] = history_json(history);
  return metrics;
}

constexpr double kFineTuneRate = 1e-5;

// What the backbone path did, for metrics["model"].
struct BackboneOutcome {
  std::string path = "head_only";  // "head_only" | "fine_tuned"
  std::string why;                 // e.g. "head on cached features reached 0.91; ..."
  double head_accuracy = 0;
  double feature_images_per_s = 0;  // images through the frozen backbone per second
  std::optional<double> fine_tuned_accuracy;
};

// Head on cached features, then fine-tuning if it helps within the budget.
Result<FitResult> train_with_backbone(torch::jit::Module& model, const Split& train,
                                      const Split& val, const ImageNorm& norm, FitOptions o,
                                      const TrainHooks& hooks, std::optional<double> fine_tune_rate,
                                      BackboneOutcome& outcome) {
  FitOptions head = o;
  head.phase = "features";
  head.epochs = 300;
  head.patience = 30;
  head.perfect_patience = 0;
  head.learning_rate = 1e-2;
  head.fraction_to = 0.3;
  auto result = fit_head(model, train, val, norm, head, hooks);
  if (!result) return result;
  outcome.head_accuracy = result->best_val_accuracy;
  outcome.feature_images_per_s = result->images_per_s;
  outcome.why = fmt::format("head on cached features reached {:.2f}", result->best_val_accuracy);
  if (result->best_val_accuracy >= 1.0) {
    outcome.why += "; no fine-tuning needed";
    return result;
  }
  if (Clock::now() + std::chrono::seconds(5) > o.deadline) {
    outcome.why += "; no time left in the budget to fine-tune";
    return result;
  }
  auto state = model_state(model);
  std::vector<torch::Tensor> saved;
  for (const auto& t : state) saved.push_back(t.detach().clone());
  o.phase = "fine_tuning";
  // A pretrained backbone takes small steps; an explicit learning_rate option sets them. On the
  // icon set (bench/README.md) 1e-4 lost 7 points of validation accuracy in the first epoch,
  // 1e-5 kept it: batch norm statistics stay frozen, so large steps shift every later layer.
  o.learning_rate = fine_tune_rate.value_or(kFineTuneRate);
  o.fraction_from = 0.3;
  auto tuned = fit(model, train, val, norm, o, hooks);
  if (!tuned) return tuned;
  outcome.fine_tuned_accuracy = tuned->best_val_accuracy;
  auto head_epochs = static_cast<int>(result->history.size());
  for (auto& e : tuned->history) e.epoch += head_epochs;
  result->history.insert(result->history.end(), tuned->history.begin(), tuned->history.end());
  if (tuned->best_val_accuracy > result->best_val_accuracy) {
    outcome.path = "fine_tuned";
    outcome.why += fmt::format("; fine-tuning reached {:.2f}, kept", tuned->best_val_accuracy);
    result->best_epoch = tuned->best_epoch + head_epochs;
    result->best_val_accuracy = tuned->best_val_accuracy;
    result->best_val_loss = tuned->best_val_loss;
    result->images_per_s = tuned->images_per_s;
    result->threads = tuned->threads;
    return result;
  }
  outcome.why +=
      fmt::format("; fine-tuning reached {:.2f}, discarded (head kept)", tuned->best_val_accuracy);
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < state.size(); ++i) state[i].copy_(saved[i]);
  return result;
}

Clock::time_point training_deadline(Clock::time_point start, double budget_s) {
  double reserve = std::min(10.0, 0.1 * budget_s);  // evaluation, export and parity check
  return start + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(budget_s - reserve));
}

// Dataset paths of the validation images, in validation order.
std::vector<std::string> val_paths(const ImageDataset& ds) {
  std::vector<std::string> out;
  for (size_t i = 0; i < ds.is_val.size(); ++i) {
    if (ds.is_val[i]) out.push_back(ds.paths[i]);
  }
  return out;
}

// auto: the model search over every candidate (image_search.h), exported whole.
Result<TrainResult> run_search(const TrainRequest& request, const TrainHooks& hooks,
                               Clock::time_point start, int threads) {
  const TrainOptions& o = request.options;
  ReadOptions read;
  read.limits = archive_limits(request.limits);
  read.max_pixels = request.limits.max_image_pixels;
  read.val_fraction = o.val_fraction;
  read.seed = o.seed;
  read.threads = threads;
  read.size = o.image_size.value_or(0);
  hooks.report({"reading", 0, 0, 0, -1, {}});
  auto ds = read_image_dataset(request.dataset, read, hooks);
  if (!ds) return fail(ds.error());
  hooks.dataset_ready(ds->summary);
  read.size = ds->size;
  auto train = take(*ds, false), val = take(*ds, true);
  SearchRequest sr;
  sr.train_request = &request;
  sr.read = read;
  sr.deadline = training_deadline(start, o.time_budget_s);
  if (o.backbone != "auto") sr.only = {o.backbone};
  if (o.backbone.rfind("head:", 0) == 0) {
    auto backbone = load_backbone(request.backbones_dir, o.backbone.substr(5));
    if (!backbone) return fail(backbone.error());
  }
  auto outcome = search_image_models(*ds, train, val, sr, hooks);
  if (!outcome) return fail(outcome.error());
  hooks.report({"evaluating", 0.92, 0, 0, -1, {}});
  auto predicted = outcome->val_probabilities.argmax(1).contiguous();
  auto truth = val.labels.contiguous();
  std::vector<int> p(predicted.data_ptr<int64_t>(),
                     predicted.data_ptr<int64_t>() + predicted.numel());
  std::vector<int> t(truth.data_ptr<int64_t>(), truth.data_ptr<int64_t>() + truth.numel());
  TrainResult result{ds->summary, eval::classification_metrics(ds->classes, t, p)};
  result.metrics["history"] = history_json(outcome->history);
  result.metrics["architecture"] = outcome->architecture;
  result.metrics["leaderboard"] = outcome->board.to_json();
  result.metrics["model"] = outcome->model_info;
  for (const auto& e : outcome->board.entries()) {
    if (e.candidate == outcome->architecture) result.metrics["train_images_per_s"] = e.items_per_s;
  }
  result.metrics["train_seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
  hooks.report({"exporting", 0.95, 0, 0, -1, {}});
  if (hooks.should_stop())
    return fail(ErrorCode::kCancelled, "cancelled", "training was cancelled");
  TRAINBOX_TRY(export_image_bundle(
      outcome->model,
      {outcome->architecture, ds->classes, outcome->norm, result.metrics,
       parity_inputs(val.images, outcome->norm), request.work_dir, request.bundle_path,
       image_validation_json(ds->classes, val.images, val.labels, outcome->val_probabilities,
                             val_paths(*ds))}));
  return result;
}

Result<TrainResult> run(const TrainRequest& request, const TrainHooks& hooks) {
  auto start = Clock::now();
  int threads =
      request.threads > 0 ? request.threads : static_cast<int>(std::thread::hardware_concurrency());
  at::set_num_threads(std::max(1, threads));
  std::filesystem::create_directories(request.work_dir);
  const TrainOptions& o = request.options;
  if (uses_search(o.backbone)) return run_search(request, hooks, start, threads);
  auto plan = plan_model(request, threads);
  if (!plan) return fail(plan.error());
  hooks.report({"reading", 0, 0, 0, -1, {}});
  auto ds = read_image_dataset(request.dataset, plan->read, hooks);
  if (!ds) return fail(ds.error());
  hooks.dataset_ready(ds->summary);
  auto train = take(*ds, false), val = take(*ds, true);
  auto classes = static_cast<int>(ds->classes.size());
  ImageNorm norm{ds->size};
  torch::jit::Module model;
  if (plan->backbone) {
    norm = plan->backbone->norm;
    model = make_backbone_classifier(*plan->backbone, classes, o.seed);
  } else {
    model = make_builtin_cnn(plan->architecture, classes, norm, o.seed);
  }
  torch::manual_seed(o.seed);
  int64_t train_items = train.images.size(0);
  FitOptions fo;
  if (!plan->backbone) fo.min_samples_per_epoch = kMinSamplesPerEpoch;
  int64_t samples_per_epoch = std::max(train_items, fo.min_samples_per_epoch);
  fo.epochs = o.epochs.value_or(default_epochs(samples_per_epoch));
  fo.batch_size = o.batch_size.value_or(default_batch_size(train_items));
  fo.learning_rate = o.learning_rate.value_or(5e-3);
  fo.class_weights = class_weights(train, classes);
  fo.choose_threads = request.threads == 0;
  fo.deadline = training_deadline(start, o.time_budget_s);
  BackboneOutcome outcome;
  auto fitted = plan->backbone ? train_with_backbone(model, train, val, norm, fo, hooks,
                                                     o.learning_rate, outcome)
                               : fit(model, train, val, norm, fo, hooks);
  if (!fitted) return fail(fitted.error());
  hooks.report({"evaluating", 0.92, fitted->best_epoch, fo.epochs, -1, {}});
  TrainResult result{ds->summary, final_metrics(model, *ds, val, norm, fitted->history)};
  result.metrics["best_epoch"] = fitted->best_epoch;
  result.metrics["architecture"] = plan->architecture;
  result.metrics["train_images_per_s"] = fitted->images_per_s;
  result.metrics["train_seconds"] = std::chrono::duration<double>(Clock::now() - start).count();
  nlohmann::json model_info = {
      {"architecture", plan->architecture},
      {"image_size", norm.size},
      {"epochs_run", fitted->history.size()},
      {"batch_size", fo.batch_size},
      {"samples_per_epoch", samples_per_epoch},
      {"learning_rate",
       plan->backbone ? o.learning_rate.value_or(kFineTuneRate) : fo.learning_rate}};
  if (fitted->threads > 0) model_info["threads"] = fitted->threads;
  if (plan->backbone) {
    plan->reason += ": " + outcome.why;
    model_info["path"] = outcome.path;
    model_info["head_val_accuracy"] = outcome.head_accuracy;
    model_info["feature_images_per_s"] = outcome.feature_images_per_s;
    if (outcome.fine_tuned_accuracy) {
      model_info["fine_tuned_val_accuracy"] = *outcome.fine_tuned_accuracy;
    }
  }
  model_info["reason"] = plan->reason;
  result.metrics["model"] = model_info;
  search::Leaderboard board;
  auto score = search::scored(plan->architecture, result.metrics.value("val_accuracy", 0.0),
                              fitted->best_val_loss, result.metrics["train_seconds"].get<double>(),
                              fitted->images_per_s);
  score.details = model_info;
  board.add(std::move(score));
  board.decide({0}, "requested");
  result.metrics["leaderboard"] = board.to_json();
  hooks.report({"exporting", 0.95, fitted->best_epoch, fo.epochs, -1, {}});
  auto check = parity_inputs(val.images, norm);
  auto probabilities = evaluate(model, val, norm, {}).probabilities;
  TRAINBOX_TRY(export_image_bundle(
      model,
      {plan->architecture, ds->classes, norm, result.metrics, check, request.work_dir,
       request.bundle_path,
       image_validation_json(ds->classes, val.images, val.labels, probabilities, val_paths(*ds))}));
  return result;
}

}  // namespace

Result<TrainResult> train_image(const TrainRequest& request, const TrainHooks& hooks) {
  try {
    return run(request, hooks);
  } catch (const c10::Error& e) {
    return fail(ErrorCode::kInternal, "training_failed", e.what_without_backtrace());
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInternal, "training_failed", e.what());
  }
}

}  // namespace trainbox::ml::image
