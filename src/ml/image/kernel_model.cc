// Kernel ridge on pixels. Hyperparameters: gamma around scikit-learn's "scale" value
// 1 / (d * var(X)), ridge lambda on a small grid; each pair is one Cholesky solve in double
// precision (n <= kMaxSupport, so at most a few GFLOP). The chosen pair is refitted on every
// labelled image. Probabilities: softmax(temperature * scores), temperature by validation loss.
#include "ml/image/kernel_model.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "ml/image/models.h"

namespace trainbox::ml::image {
namespace {

// Larger support sets cost n^3 per solve and n per prediction; 3,000 keeps both small.
constexpr int64_t kMaxSupport = 3000;

constexpr const char* kKernelSource = R"TS(
def features(self, x):
    f = x * self.std + self.mean
    if self.grey:
        f = f.mean(1, True)
    return torch.flatten(f, 1)

def logits(self, x):
    f = self.features(x)
    d2 = (f * f).sum(1, True) - 2.0 * torch.mm(f, self.support.t()) + self.support_sq
    k = torch.exp(d2.clamp_min(0.0) * (0.0 - self.gamma))
    return torch.mm(k, self.alpha) * self.temperature

def forward(self, x):
    return torch.softmax(self.logits(x), 1)
)TS";

// Pixels in 0..1 as rows [N, d].
torch::Tensor pixel_rows(const torch::Tensor& images_uint8, bool grey) {
  auto x = images_uint8.to(torch::kFloat) / 255.0;
  if (grey) x = x.mean(1, true);
  return x.flatten(1).contiguous();
}

torch::Tensor rbf(const torch::Tensor& a, const torch::Tensor& b, double gamma) {
  auto d2 = a.pow(2).sum(1, true) - 2 * torch::mm(a, b.t()) + b.pow(2).sum(1).unsqueeze(0);
  return torch::exp(d2.clamp_min(0) * -gamma);
}

// One-vs-rest targets, centred: 1 - 1/C for the class, -1/C elsewhere.
torch::Tensor targets(const torch::Tensor& labels, int classes) {
  auto y = torch::one_hot(labels, classes).to(torch::kDouble);
  return y - 1.0 / classes;
}

// A stratified-enough random subset of at most `most` rows (seeded).
torch::Tensor subset(int64_t n, int64_t most, uint64_t seed) {
  if (n <= most) return torch::arange(n, torch::kLong);
  auto generator = at::detail::createCPUGenerator(seed);
  return std::get<0>(torch::randperm(n, generator, torch::kLong).slice(0, 0, most).sort());
}

torch::Tensor solve(const torch::Tensor& k, const torch::Tensor& y, double lambda) {
  auto n = k.size(0);
  auto a = k.to(torch::kDouble) + lambda * torch::eye(n, torch::kDouble);
  auto l = torch::linalg_cholesky(a);
  return torch::cholesky_solve(y, l);
}

double nll(const torch::Tensor& scores, const torch::Tensor& labels, double t) {
  return torch::nn::functional::cross_entropy(scores * t, labels).item<double>();
}

// Temperature minimising validation loss, on a geometric grid refined once.
double fit_temperature(const torch::Tensor& scores, const torch::Tensor& labels) {
  double best_t = 1, best = std::numeric_limits<double>::infinity();
  for (double t = 0.5; t <= 1024; t *= 2) {
    double l = nll(scores, labels, t);
    if (l < best) best = l, best_t = t;
  }
  double centre = best_t;
  for (double f : {0.6, 0.75, 0.9, 1.1, 1.3, 1.6}) {
    double l = nll(scores, labels, centre * f);
    if (l < best) best = l, best_t = centre * f;
  }
  return best_t;
}

torch::jit::Module make_kernel_module(const ImageNorm& norm, bool grey,
                                      const torch::Tensor& support, const torch::Tensor& alpha,
                                      double gamma, double temperature) {
  torch::jit::Module m("KernelClassifier");
  register_input_norm(m, norm);
  m.register_attribute("grey", c10::BoolType::get(), grey);
  m.register_attribute("gamma", c10::FloatType::get(), gamma);
  m.register_attribute("temperature", c10::FloatType::get(), temperature);
  m.register_buffer("support", support.contiguous());
  m.register_buffer("support_sq", support.pow(2).sum(1).unsqueeze(0).contiguous());
  m.register_buffer("alpha", alpha.to(torch::kFloat).contiguous());
  m.define(std::string(kKernelSource) + raw_input_methods());
  m.train(false);
  return m;
}

}  // namespace

Result<KernelCandidate> fit_kernel_candidate(const Split& train, const Split& val, int classes,
                                             uint64_t seed,
                                             const std::function<bool()>& should_stop) {
  torch::NoGradGuard no_grad;
  KernelCandidate out;
  bool grey = train.images.select(1, 0).equal(train.images.select(1, 1)) &&
              train.images.select(1, 1).equal(train.images.select(1, 2));
  int side = std::min<int>(static_cast<int>(train.images.size(2)), grey ? 32 : 24);
  out.norm.size = side;
  out.norm.mean = {0, 0, 0};
  out.norm.std = {1, 1, 1};
  auto pick = subset(train.images.size(0), kMaxSupport, seed);
  auto x = pixel_rows(resize_batch(train.images.index_select(0, pick), side), grey);
  auto y_labels = train.labels.index_select(0, pick);
  auto xv = pixel_rows(resize_batch(val.images, side), grey);
  double d = static_cast<double>(x.size(1));
  double scale = 1.0 / (d * std::max(x.var().item<double>(), 1e-12));
  auto y = targets(y_labels, classes);
  double best_acc = -1, best_loss = 0, best_gamma = 0, best_lambda = 0, best_t = 1;
  auto grid = nlohmann::json::array();
  for (double g : {0.5, 1.0, 2.0}) {
    double gamma = scale * g;
    auto k = rbf(x, x, gamma);
    auto kv = rbf(xv, x, gamma).to(torch::kDouble);
    for (double lambda : {1e-3, 1e-2, 1e-1, 1.0}) {
      if (should_stop()) return fail(ErrorCode::kCancelled, "cancelled", "training was cancelled");
      auto scores = torch::mm(kv, solve(k, y, lambda)).to(torch::kFloat);
      double acc = scores.argmax(1).eq(val.labels).to(torch::kDouble).mean().item<double>();
      double t = fit_temperature(scores, val.labels);
      double loss = nll(scores, val.labels, t);
      grid.push_back({{"gamma_factor", g}, {"lambda", lambda}, {"val_accuracy", acc}});
      if (acc > best_acc || (acc == best_acc && loss < best_loss)) {
        best_acc = acc, best_loss = loss, best_gamma = gamma, best_lambda = lambda, best_t = t;
        out.val_probabilities = torch::softmax(scores * t, 1);
      }
    }
  }
  out.val_accuracy = best_acc;
  out.val_loss = best_loss;
  // Refit on every labelled image (within the support cap) with the chosen settings.
  auto all_images = torch::cat({train.images, val.images});
  auto all_labels = torch::cat({train.labels, val.labels});
  auto all_pick = subset(all_images.size(0), kMaxSupport, seed + 1);
  auto support = pixel_rows(resize_batch(all_images.index_select(0, all_pick), side), grey);
  auto alpha = solve(rbf(support, support, best_gamma),
                     targets(all_labels.index_select(0, all_pick), classes), best_lambda);
  out.model = make_kernel_module(out.norm, grey, support, alpha, best_gamma, best_t);
  out.details = {{"side", side},
                 {"grey", grey},
                 {"gamma", best_gamma},
                 {"gamma_scale", scale},
                 {"lambda", best_lambda},
                 {"temperature", best_t},
                 {"support_vectors", support.size(0)},
                 {"grid", grid},
                 {"refit_on_all_images", true}};
  return out;
}

}  // namespace trainbox::ml::image
