// Design: data stays as uint8 tensors in memory; each batch is gathered, augmented in float
// (flip, reflect-pad crop, colour jitter), normalised and fed to the TorchScript `logits` method.
// Progress is reported at most once a second from the batch loop, and should_stop is polled
// every batch. The weights of the best validation epoch are snapshotted and restored at the end.

#include "ml/image/fit.h"

#include <torch/torch.h>

#include <cmath>

namespace trainbox::ml::image {
namespace {

using Clock = std::chrono::steady_clock;
namespace F = torch::nn::functional;

torch::Tensor augment(torch::Tensor x) {
  int64_t b = x.size(0), s = x.size(2);
  auto flip = (torch::rand({b}) < 0.5).view({b, 1, 1, 1});
  x = torch::where(flip, x.flip(3), x);
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
                          bool with_augment) {
  auto x = split.images.index_select(0, index).to(torch::kFloat);
  if (with_augment) x = augment(x);
  return normalise(x, norm);
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

}  // namespace

Evaluation evaluate(torch::jit::Module& model, const Split& split, const ImageNorm& norm,
                    const torch::Tensor& class_weights) {
  torch::NoGradGuard no_grad;
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
  std::vector<torch::Tensor> trainable;
  for (const auto& p : model.parameters()) trainable.push_back(p.requires_grad_(true));
  torch::optim::AdamW optimizer(trainable,
                                torch::optim::AdamWOptions(o.learning_rate).weight_decay(1e-4));
  auto state = model_state(model);
  auto best = snapshot(state);
  FitResult result;
  Reporter reporter(hooks, o);
  int64_t n = train.images.size(0);
  int64_t steps = (n + o.batch_size - 1) / o.batch_size, step = 0;
  double last_epoch_s = 0, images = 0, busy_s = 0;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    auto epoch_start = Clock::now();
    if (epoch > 1 && epoch_start + std::chrono::duration<double>(last_epoch_s) > o.deadline) break;
    model.train(true);
    auto order = torch::randperm(n, torch::kLong);
    double loss_sum = 0, correct = 0, seen = 0;
    for (int64_t i = 0; i < n; i += o.batch_size) {
      if (hooks.should_stop()) return cancelled();
      auto index = order.slice(0, i, std::min(n, i + o.batch_size));
      if (index.size(0) < 2) continue;
      double progress = static_cast<double>(step++) / static_cast<double>(steps * o.epochs);
      set_learning_rate(optimizer, o.learning_rate * 0.5 * (1 + std::cos(M_PI * progress)));
      auto labels = train.labels.index_select(0, index);
      auto logits =
          model.run_method("logits", batch_input(train, index, norm, o.augment)).toTensor();
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
    auto e = evaluate(model, val, norm, o.class_weights);
    if (record_epoch(result, {epoch, loss_sum / seen, correct / seen, e.loss, e.accuracy})) {
      best = snapshot(state);
    } else if (epoch - result.best_epoch >= o.patience) {
      break;
    }
  }
  restore(state, best);
  model.train(false);
  result.images_per_s = busy_s > 0 ? images / busy_s : 0;
  return result;
}

Result<FitResult> fit_head(torch::jit::Module& model, const Split& train, const Split& val,
                           const ImageNorm& norm, const FitOptions& o, const TrainHooks& hooks) {
  auto features = [&](const Split& split) {
    torch::NoGradGuard no_grad;
    model.train(false);
    std::vector<torch::Tensor> out;
    int64_t n = split.images.size(0);
    for (int64_t i = 0; i < n; i += 64) {
      if (hooks.should_stop()) return torch::Tensor();
      auto index = torch::arange(i, std::min(n, i + 64), torch::kLong);
      out.push_back(
          model.run_method("features", batch_input(split, index, norm, false)).toTensor());
    }
    return torch::cat(out);
  };
  auto train_f = features(train), val_f = features(val);
  if (!train_f.defined() || !val_f.defined()) return cancelled();
  auto w = model.attr("head_w").toTensor(), b = model.attr("head_b").toTensor();
  w.requires_grad_(true);
  b.requires_grad_(true);
  torch::optim::AdamW optimizer({w, b}, torch::optim::AdamWOptions(o.learning_rate));
  std::vector<torch::Tensor> state = {w, b};
  auto best = snapshot(state);
  FitResult result;
  Reporter reporter(hooks, o);
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
    if (record_epoch(result, stats)) {
      best = snapshot(state);
    } else if (epoch - result.best_epoch >= o.patience) {
      break;
    }
  }
  restore(state, best);
  return result;
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
