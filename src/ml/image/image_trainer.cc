// Design: read (decode in parallel) -> dataset_ready -> pick the model -> train -> evaluate ->
// export + parity check. Built-in CNNs train end to end. With an installed backbone, a linear
// head is trained on features cached once (seconds), then the whole network is fine-tuned with
// what is left of the time budget, and the fine-tuned weights are kept only if validation
// accuracy improved. LibTorch exceptions are caught here, at the boundary, and become errors.

#include "ml/image/image_trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <thread>

#include "ml/eval/classification_metrics.h"
#include "ml/image/export.h"
#include "ml/image/fit.h"
#include "ml/image/image_dataset.h"
#include "ml/image/models.h"

namespace trainbox::ml::image {
namespace {

using Clock = std::chrono::steady_clock;

bool is_builtin(const std::string& name) {
  return name == "auto" || name == "tiny_cnn" || name == "cnn_224";
}

Split take(const ImageDataset& ds, bool val) {
  std::vector<int64_t> index;
  for (size_t i = 0; i < ds.is_val.size(); ++i) {
    if (ds.is_val[i] == val) index.push_back(static_cast<int64_t>(i));
  }
  auto t = torch::tensor(index, torch::kLong);
  return {ds.images.index_select(0, t), ds.labels.index_select(0, t)};
}

torch::Tensor class_weights(const Split& train, int64_t classes) {
  auto counts = torch::bincount(train.labels, {}, classes).to(torch::kFloat).clamp_min(1);
  if ((counts.max() / counts.min()).item<double>() <= 1.5) return {};
  return counts.sum() / (counts * static_cast<double>(classes));
}

int default_epochs(int64_t train_items) {
  return static_cast<int>(std::clamp<int64_t>(6000 / std::max<int64_t>(1, train_items), 15, 40));
}

struct Plan {
  std::string architecture;
  std::optional<Backbone> backbone;
  ReadOptions read;
};

Result<Plan> plan_model(const TrainRequest& request, int threads) {
  const TrainOptions& o = request.options;
  Plan plan;
  plan.read.val_fraction = o.val_fraction;
  plan.read.seed = o.seed;
  plan.read.threads = threads;
  plan.read.size = o.image_size.value_or(o.backbone == "cnn_224" ? 224 : 0);
  if (o.backbone == "tiny_cnn" && plan.read.size == 0) plan.read.size = 64;
  if (!is_builtin(o.backbone)) {
    if (request.backbones_dir.empty()) {
      return fail(ErrorCode::kInvalidArgument, "backbone_not_found",
                  fmt::format("backbone '{}' is not built in and no backbones folder is "
                              "configured; use auto, tiny_cnn or cnn_224",
                              o.backbone));
    }
    auto backbone = load_backbone(request.backbones_dir, o.backbone);
    if (!backbone) return fail(backbone.error());
    plan.read.size = backbone->norm.size;
    plan.architecture = "backbone:" + o.backbone;
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

// Head on cached features, then fine-tuning if it helps within the budget.
Result<FitResult> train_with_backbone(torch::jit::Module& model, const Split& train,
                                      const Split& val, const ImageNorm& norm, FitOptions o,
                                      const TrainHooks& hooks) {
  FitOptions head = o;
  head.phase = "features";
  head.epochs = 300;
  head.patience = 30;
  head.learning_rate = 1e-2;
  head.fraction_to = 0.3;
  auto result = fit_head(model, train, val, norm, head, hooks);
  if (!result) return result;
  if (Clock::now() + std::chrono::seconds(5) > o.deadline || result->best_val_accuracy >= 1.0) {
    return result;
  }
  auto state = model_state(model);
  std::vector<torch::Tensor> saved;
  for (const auto& t : state) saved.push_back(t.detach().clone());
  o.phase = "fine_tuning";
  o.learning_rate = 1e-4;
  o.fraction_from = 0.3;
  auto tuned = fit(model, train, val, norm, o, hooks);
  if (!tuned) return tuned;
  if (tuned->best_val_accuracy > result->best_val_accuracy) {
    for (auto& e : tuned->history) e.epoch += static_cast<int>(result->history.size());
    result->history.insert(result->history.end(), tuned->history.begin(), tuned->history.end());
    result->best_val_accuracy = tuned->best_val_accuracy;
    result->images_per_s = tuned->images_per_s;
    return result;
  }
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < state.size(); ++i) state[i].copy_(saved[i]);
  return result;
}

Result<TrainResult> run(const TrainRequest& request, const TrainHooks& hooks) {
  auto start = Clock::now();
  int threads =
      request.threads > 0 ? request.threads : static_cast<int>(std::thread::hardware_concurrency());
  at::set_num_threads(std::max(1, threads));
  std::filesystem::create_directories(request.work_dir);
  const TrainOptions& o = request.options;
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
    if (plan->architecture.empty()) plan->architecture = ds->size >= 160 ? "cnn_224" : "tiny_cnn";
    model = make_builtin_cnn(plan->architecture, classes, norm, o.seed);
  }
  torch::manual_seed(o.seed);
  FitOptions fo;
  fo.epochs = o.epochs.value_or(default_epochs(train.images.size(0)));
  fo.batch_size = o.batch_size.value_or(32);
  fo.learning_rate = o.learning_rate.value_or(2e-3);
  fo.class_weights = class_weights(train, classes);
  double reserve = std::min(10.0, 0.1 * o.time_budget_s);
  fo.deadline = start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(o.time_budget_s - reserve));
  auto fitted = plan->backbone ? train_with_backbone(model, train, val, norm, fo, hooks)
                               : fit(model, train, val, norm, fo, hooks);
  if (!fitted) return fail(fitted.error());
  hooks.report({"evaluating", 0.92, fitted->best_epoch, fo.epochs, -1, {}});
  TrainResult result{ds->summary, final_metrics(model, *ds, val, norm, fitted->history)};
  result.metrics["best_epoch"] = fitted->best_epoch;
  result.metrics["architecture"] = plan->architecture;
  result.metrics["train_images_per_s"] = fitted->images_per_s;
  hooks.report({"exporting", 0.95, fitted->best_epoch, fo.epochs, -1, {}});
  auto check = normalise(val.images.to(torch::kFloat), norm);
  TRAINBOX_TRY(export_image_bundle(model, {plan->architecture, ds->classes, norm, result.metrics,
                                           check, request.work_dir, request.bundle_path}));
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
