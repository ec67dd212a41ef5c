// Design: data stays as uint8 tensors in memory; each batch is gathered, augmented in float
// (flip, reflect-pad crop, colour jitter), normalised and fed to the TorchScript `logits` method.
// Progress is reported at most once a second from the batch loop, and should_stop is polled
// every batch. The weights of the best validation epoch are snapshotted and restored at the end.
// Speed (tiny_cnn, 64 px, 2 cores; see the measurements in the comments below): channels_last
// activations and conv weights, TorchScript's graph optimiser off, a short warm-up then cosine
// decay, an early stop once validation accuracy has been perfect for a few epochs, and a
// measured choice between all cores and one (OpenMP's spinning threads lose on busy cores).

#include "ml/image/fit.h"

#include <fmt/format.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <limits>

namespace trainbox::ml::image {
namespace {

using Clock = std::chrono::steady_clock;
namespace F = torch::nn::functional;

torch::Tensor augment(torch::Tensor x, bool with_flip) {
  int64_t b = x.size(0), s = x.size(2);
  if (with_flip) {
    auto flip = (torch::rand({b}) < 0.5).view({b, 1, 1, 1});
    x = torch::where(flip, x.flip(3), x);
  }
  int64_t pad = std::max<int64_t>(2, s / 8);
  auto padded = F::pad(x, F::PadFuncOptions({pad, pad, pad, pad}).mode(torch::kReflect));
  auto offsets = torch::randint(0, 2 * pad + 1, {b, 2}, torch::kLong);
  auto acc = offsets.accessor<int64_t, 2>();
  std::vector<torch::Tensor> crops;
  for (int64_t i = 0; i < b; ++i) {
    crops.push_back(
        padded[i].slice(1, acc[i][0], acc[i][0] + s).slice(2, acc[i][1], acc[i][1] + s));
  }
  x = torch::stack(crops);
  auto jitter = [&] { return torch::empty({b, 1, 1, 1}).uniform_(0.8, 1.2); };
  auto gray = (x * torch::tensor({0.299, 0.587, 0.114}).view({1, 3, 1, 1})).sum(1, true);
  x = gray + (x - gray) * jitter();
  auto mean = x.mean({1, 2, 3}, true);
  x = (x - mean) * jitter() + mean;
  return (x * jitter()).clamp(0, 255);
}

torch::Tensor batch_input(const Split& split, const torch::Tensor& index, const ImageNorm& norm,
                          bool with_augment, bool with_flip = true) {
  auto x = split.images.index_select(0, index).to(torch::kFloat);
  if (with_augment) x = augment(x, with_flip);
  // oneDNN's convolutions, batch norm and pooling are faster in NHWC (1.15-1.3x here).
  return normalise(x, norm).contiguous(at::MemoryFormat::ChannelsLast);
}

torch::Tensor loss_of(const torch::Tensor& logits, const torch::Tensor& labels,
                      const torch::Tensor& weights) {
  auto options = F::CrossEntropyFuncOptions();
  if (weights.defined()) options.weight(weights);
  return F::cross_entropy(logits, labels, options);
}

tl::unexpected<Error> cancelled() {
  return fail(ErrorCode::kCancelled, "cancelled", "training was cancelled");
}

// Throttled progress reporting shared by both loops.
class Reporter {
 public:
  Reporter(const TrainHooks& hooks, const FitOptions& options) : hooks_(hooks), o_(options) {}

  void maybe_report(int epoch, double epoch_fraction, double loss, double accuracy) {
    auto now = Clock::now();
    if (now - last_ < std::chrono::seconds(1)) return;
    last_ = now;
    double done = std::clamp((epoch - 1 + epoch_fraction) / o_.epochs, 0.0, 1.0);
    double elapsed = std::chrono::duration<double>(now - start_).count();
    double eta = done > 0 ? elapsed * (1 - done) / done : -1;
    double left = std::chrono::duration<double>(o_.deadline - now).count();
    TrainProgress p{o_.phase,
                    o_.fraction_from + done * (o_.fraction_to - o_.fraction_from),
                    epoch,
                    o_.epochs,
                    std::max(0.0, std::min(eta, left)),
                    {}};
    p.live = {{"loss", loss}, {"accuracy", accuracy}};
    hooks_.report(p);
  }

 private:
  const TrainHooks& hooks_;
  const FitOptions& o_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_ = Clock::now() - std::chrono::seconds(2);
};

std::vector<torch::Tensor> snapshot(const std::vector<torch::Tensor>& state) {
  std::vector<torch::Tensor> copy;
  for (const auto& t : state) copy.push_back(t.detach().clone());
  return copy;
}

void restore(std::vector<torch::Tensor>& state, const std::vector<torch::Tensor>& saved) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < state.size(); ++i) state[i].copy_(saved[i]);
}

// Records the epoch; returns true when it is the new best.
bool record_epoch(FitResult& result, EpochStats stats) {
  result.history.push_back(stats);
  bool better =
      stats.val_accuracy > result.best_val_accuracy ||
      (stats.val_accuracy == result.best_val_accuracy && stats.val_loss < result.best_val_loss);
  if (!better) return false;
  result.best_epoch = stats.epoch;
  result.best_val_accuracy = stats.val_accuracy;
  result.best_val_loss = stats.val_loss;
  return true;
}

void set_learning_rate(torch::optim::AdamW& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) {
    static_cast<torch::optim::AdamWOptions&>(group.options()).lr(lr);
  }
}

// Linear warm-up over the first `warmup` steps, then cosine decay to zero at `total`.
double scheduled_rate(double peak, int64_t step, int64_t warmup, int64_t total) {
  if (step < warmup) return peak * static_cast<double>(step + 1) / static_cast<double>(warmup);
  double progress = static_cast<double>(step - warmup) /
                    static_cast<double>(std::max<int64_t>(1, total - warmup));
  return peak * 0.5 * (1 + std::cos(M_PI * std::min(1.0, progress)));
}

// Conv weights in the layout of the activations (training only; undone before export).
void set_weight_format(torch::jit::Module& model, at::MemoryFormat format) {
  torch::NoGradGuard no_grad;
  for (auto p : model.parameters()) {
    if (p.dim() == 4) p.set_data(p.contiguous(format));
  }
}

// Chooses between all cores and one for the rest of a fit: on cores busy with other work,
// OpenMP's threads spin at every barrier waiting for a descheduled peer (measured with two
// busy loops on the 2 cores: 174 images/s with 2 threads, 257 with 1; idle: 545 vs 400).
// Epoch 2 runs on all cores and epoch 3 on one (epoch 1 is warm-up); the faster one stays.
class ThreadChooser {
 public:
  explicit ThreadChooser(bool enabled)
      : cores_(at::get_num_threads()), enabled_(enabled && cores_ > 1) {}
  void before_epoch(int epoch) {
    if (enabled_ && epoch == 3) at::set_num_threads(1);
  }
  void after_epoch(int epoch, double images_per_s) {
    if (!enabled_) return;
    if (epoch == 2) all_cores_ips_ = images_per_s;
    if (epoch == 3) {
      chosen_ = images_per_s > all_cores_ips_ ? 1 : cores_;
      at::set_num_threads(chosen_);
    }
  }
  ~ThreadChooser() {
    if (enabled_) at::set_num_threads(cores_);
  }
  int chosen() const { return chosen_; }

 private:
  int cores_;
  bool enabled_;
  double all_cores_ips_ = 0;
  int chosen_ = 0;
};

}  // namespace

Evaluation evaluate(torch::jit::Module& model, const Split& split, const ImageNorm& norm,
                    const torch::Tensor& class_weights) {
  c10::InferenceMode inference;
  // The profiling executor re-specialises for every new batch shape and costs more than it
  // saves on these small graphs (the same in fit below).
  torch::jit::GraphOptimizerEnabledGuard no_profiling(false);
  model.train(false);
  std::vector<torch::Tensor> logits;
  int64_t n = split.images.size(0);
  for (int64_t i = 0; i < n; i += 128) {
    auto index = torch::arange(i, std::min(n, i + 128), torch::kLong);
    logits.push_back(model.run_method("logits", batch_input(split, index, norm, false)).toTensor());
  }
  auto all = torch::cat(logits);
  Evaluation e;
  e.loss = loss_of(all, split.labels, class_weights).item<double>();
  e.accuracy = all.argmax(1).eq(split.labels).to(torch::kDouble).mean().item<double>();
  e.probabilities = torch::softmax(all, 1);
  return e;
}

Result<FitResult> fit(torch::jit::Module& model, const Split& train, const Split& val,
                      const ImageNorm& norm, const FitOptions& o, const TrainHooks& hooks) {
  // Measured on the shapes set (12 epochs): 564 images/s as before, 599 with the optimiser
  // off, 704 with channels_last, 892 with both.
  torch::jit::GraphOptimizerEnabledGuard no_profiling(false);
  set_weight_format(model, at::MemoryFormat::ChannelsLast);
  ThreadChooser threads(o.choose_threads);
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model.parameters()) trainable.push_back(p.requires_grad_(true));
  torch::optim::AdamW optimizer(trainable,
                                torch::optim::AdamWOptions(o.learning_rate).weight_decay(1e-4));
  auto state = model_state(model);
  auto best = snapshot(state);
  FitResult result;
  Reporter reporter(hooks, o);
  int64_t images_n = train.images.size(0);
  int64_t repeats = std::max<int64_t>(
      1, (o.min_samples_per_epoch + images_n - 1) / std::max<int64_t>(1, images_n));
  int64_t n = std::max(images_n, o.min_samples_per_epoch);  // samples per epoch
  int64_t steps = (n + o.batch_size - 1) / o.batch_size, step = 0;
  int64_t total_steps = steps * o.epochs;
  int64_t warmup = std::clamp<int64_t>(total_steps / 10, 1, steps);
  double last_epoch_s = 0, images = 0, busy_s = 0;
  int perfect_epochs = 0;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    auto epoch_start = Clock::now();
    if (epoch > 1 && epoch_start + std::chrono::duration<double>(last_epoch_s) > o.deadline) break;
    threads.before_epoch(epoch);
    model.train(true);
    std::vector<torch::Tensor> passes;
    for (int64_t r = 0; r < repeats; ++r) passes.push_back(torch::randperm(images_n, torch::kLong));
    auto order = torch::cat(passes).slice(0, 0, n);
    double loss_sum = 0, correct = 0, seen = 0;
    for (int64_t i = 0; i < n; i += o.batch_size) {
      if (hooks.should_stop()) return cancelled();
      auto index = order.slice(0, i, std::min(n, i + o.batch_size));
      if (index.size(0) < 2) continue;
      set_learning_rate(optimizer, scheduled_rate(o.learning_rate, step++, warmup, total_steps));
      auto labels = train.labels.index_select(0, index);
      auto logits =
          model.run_method("logits", batch_input(train, index, norm, o.augment, o.flip)).toTensor();
      auto loss = loss_of(logits, labels, o.class_weights);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      double b = static_cast<double>(index.size(0));
      loss_sum += loss.item<double>() * b;
      correct += logits.argmax(1).eq(labels).sum().item<double>();
      seen += b;
      reporter.maybe_report(epoch, seen / n, loss_sum / seen, correct / seen);
      if (Clock::now() > o.deadline) break;
    }
    last_epoch_s = std::chrono::duration<double>(Clock::now() - epoch_start).count();
    images += seen;
    busy_s += last_epoch_s;
    threads.after_epoch(epoch, seen / std::max(1e-9, last_epoch_s));
    auto e = evaluate(model, val, norm, o.class_weights);
    perfect_epochs = e.accuracy >= 1.0 ? perfect_epochs + 1 : 0;
    if (record_epoch(result, {epoch, loss_sum / seen, correct / seen, e.loss, e.accuracy})) {
      best = snapshot(state);
    } else if (epoch - result.best_epoch >= o.patience) {
      break;
    }
    if (o.perfect_patience > 0 && perfect_epochs >= o.perfect_patience) break;
  }
  restore(state, best);
  set_weight_format(model, at::MemoryFormat::Contiguous);
  model.train(false);
  result.images_per_s = busy_s > 0 ? images / busy_s : 0;
  result.threads = threads.chosen();
  return result;
}

// The feature extractor for caching: a frozen, inference-optimised copy of the backbone when the
// model has one (measured 1.2-2.4x faster, see bench/README.md), else the model's own method.
std::function<torch::Tensor(const torch::Tensor&)> feature_extractor(torch::jit::Module& model) {
  if (model.hasattr("backbone")) {
    auto backbone = model.attr("backbone").toModule().clone();
    backbone.eval();
    auto frozen = torch::jit::freeze(backbone);
    frozen = torch::jit::optimize_for_inference(frozen);
    return [frozen](const torch::Tensor& x) mutable {
      return torch::flatten(frozen.forward({x}).toTensor(), 1);
    };
  }
  return [&model](const torch::Tensor& x) { return model.run_method("features", x).toTensor(); };
}

Result<FitResult> fit_head(torch::jit::Module& model, const Split& train, const Split& val,
                           const ImageNorm& norm, const FitOptions& o, const TrainHooks& hooks) {
  constexpr double kCachingShare = 0.8;
  // Small batches keep a 224 px network's activations in cache: mobilenet_v2 alone gave 108
  // images/s at batch 8 against 53 at batch 32 (bench/README.md); caching the icon set in
  // training, with input normalisation, 61-66 against 55-58.
  constexpr int64_t kCachingBatch = 8;
  model.train(false);
  auto extract = feature_extractor(model);
  int64_t total = train.images.size(0) + val.images.size(0), done = 0;
  auto last_report = Clock::now();
  bool past_deadline = false;
  auto features = [&](const Split& split) {
    torch::NoGradGuard no_grad;  // not InferenceMode: the features feed autograd below
    torch::jit::GraphOptimizerEnabledGuard no_profiling(false);
    std::vector<torch::Tensor> out;
    int64_t n = split.images.size(0);
    for (int64_t i = 0; i < n; i += kCachingBatch) {
      if (hooks.should_stop()) return torch::Tensor();
      if (Clock::now() > o.deadline) {
        past_deadline = true;
        return torch::Tensor();
      }
      auto index = torch::arange(i, std::min(n, i + kCachingBatch), torch::kLong);
      out.push_back(extract(batch_input(split, index, norm, false)).clone());
      done += index.size(0);
      if (Clock::now() - last_report > std::chrono::seconds(1)) {
        last_report = Clock::now();
        // Feature caching takes most of this phase's share of the progress bar.
        double share = kCachingShare * static_cast<double>(done) / static_cast<double>(total);
        hooks.report({o.phase,
                      o.fraction_from + share * (o.fraction_to - o.fraction_from),
                      0,
                      o.epochs,
                      -1,
                      {{"images", done}, {"of", total}}});
      }
    }
    return torch::cat(out);
  };
  auto caching_start = Clock::now();
  auto train_f = features(train);
  auto val_f = train_f.defined() ? features(val) : torch::Tensor();
  double caching_s = std::chrono::duration<double>(Clock::now() - caching_start).count();
  if (past_deadline) {
    return fail(ErrorCode::kCancelled, kDeadlineSlug,
                fmt::format("feature caching reached the deadline after {} of {} images ({:.0f} s)",
                            done, total, caching_s));
  }
  if (!train_f.defined() || !val_f.defined()) return cancelled();
  // The head trains on standardised features (each dimension to mean 0, std 1 over the training
  // images), then the scaling is folded into head_w/head_b. Backbones' features come at any
  // scale; unscaled, a random test backbone's head was still near chance after 30 epochs.
  auto mu = train_f.mean(0, true);
  auto sigma =
      train_f.size(0) > 1 ? train_f.std(0, true, true).clamp_min(1e-6) : torch::ones_like(mu);
  train_f = (train_f - mu) / sigma;
  val_f = (val_f - mu) / sigma;
  auto head_w = model.attr("head_w").toTensor(), head_b = model.attr("head_b").toTensor();
  auto w = torch::zeros_like(head_w).requires_grad_(true);
  auto b = torch::zeros_like(head_b).requires_grad_(true);
  torch::optim::AdamW optimizer({w, b}, torch::optim::AdamWOptions(o.learning_rate));
  std::vector<torch::Tensor> state = {w, b};
  auto best = snapshot(state);
  FitResult result;
  FitOptions head_o = o;
  head_o.fraction_from = o.fraction_from + kCachingShare * (o.fraction_to - o.fraction_from);
  Reporter reporter(hooks, head_o);
  double best_loss = std::numeric_limits<double>::infinity();
  int since_progress = 0;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    if (hooks.should_stop()) return cancelled();
    auto logits = torch::linear(train_f, w, b);
    auto loss = loss_of(logits, train.labels, o.class_weights);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    torch::NoGradGuard no_grad;
    auto val_logits = torch::linear(val_f, w, b);
    double train_acc = logits.argmax(1).eq(train.labels).to(torch::kDouble).mean().item<double>();
    EpochStats stats{epoch, loss.item<double>(), train_acc,
                     loss_of(val_logits, val.labels, o.class_weights).item<double>(),
                     val_logits.argmax(1).eq(val.labels).to(torch::kDouble).mean().item<double>()};
    reporter.maybe_report(epoch, 1.0, stats.train_loss, stats.train_accuracy);
    // A full-batch step is cheap and validation accuracy on a small set moves in coarse steps:
    // keep going while either it or the validation loss still improves.
    bool progress = stats.val_loss < best_loss - 1e-4;
    best_loss = std::min(best_loss, stats.val_loss);
    if (record_epoch(result, stats)) {
      best = snapshot(state);
      progress = true;
    }
    since_progress = progress ? 0 : since_progress + 1;
    if (since_progress >= o.patience) break;
  }
  // Images through the backbone per second: what bounds this path's speed.
  result.images_per_s = caching_s > 0 ? static_cast<double>(total) / caching_s : 0;
  torch::NoGradGuard no_grad;
  head_w.copy_(best[0] / sigma);
  head_b.copy_(best[1] - (best[0] * (mu / sigma)).sum(1));
  return result;
}

Split take_split(const torch::Tensor& images, const torch::Tensor& labels,
                 const std::vector<bool>& is_val, bool val) {
  std::vector<int64_t> index;
  for (size_t i = 0; i < is_val.size(); ++i) {
    if (is_val[i] == val) index.push_back(static_cast<int64_t>(i));
  }
  auto t = torch::tensor(index, torch::kLong);
  return {images.index_select(0, t), labels.index_select(0, t)};
}

torch::Tensor class_weights(const Split& train, int64_t classes) {
  auto counts = torch::bincount(train.labels, {}, classes).to(torch::kFloat).clamp_min(1);
  if ((counts.max() / counts.min()).item<double>() <= 1.5) return {};
  return counts.sum() / (counts * static_cast<double>(classes));
}

// With the warm-up and cosine schedule tiny_cnn reaches its plateau on the shapes set in 8-12
// epochs; the early stop on perfect validation accuracy ends easy sets sooner.
int default_epochs(int64_t samples_per_epoch) {
  return static_cast<int>(
      std::clamp<int64_t>(3000 / std::max<int64_t>(1, samples_per_epoch), 8, 30));
}

int default_batch_size(int64_t train_items) {
  return static_cast<int>(std::clamp<int64_t>(train_items / 6, 8, 32));
}

nlohmann::json history_json(const std::vector<EpochStats>& history) {
  auto out = nlohmann::json::array();
  for (const auto& e : history) {
    out.push_back({{"epoch", e.epoch},
                   {"train_loss", e.train_loss},
                   {"train_accuracy", e.train_accuracy},
                   {"val_loss", e.val_loss},
                   {"val_accuracy", e.val_accuracy}});
  }
  return out;
}

}  // namespace trainbox::ml::image
