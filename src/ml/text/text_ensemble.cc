#include "ml/text/text_ensemble.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>

#include "ml/text/text_model.h"

namespace trainbox::ml::text {
namespace {

constexpr const char* kSplitSource = R"TS(
def member_ids(self, ids: Tensor, offsets: Tensor, lo: int, hi: int) -> Tuple[Tensor, Tensor]:
    n = ids.size(0)
    b = offsets.size(0)
    ends = torch.cat([offsets[1:], torch.tensor([n], dtype=4)])
    doc = torch.repeat_interleave(torch.arange(b), ends - offsets)
    mask = (ids >= lo) & (ids < hi)
    counts = torch.bincount(doc[mask], None, b)
    starts = torch.cat([torch.zeros([1], dtype=4), torch.cumsum(counts, 0)[:-1]])
    return ids[mask] - lo, starts
)TS";

}  // namespace

torch::Tensor tempered(const torch::Tensor& probabilities, double temperature) {
  return torch::softmax(torch::log(probabilities.clamp_min(1e-30)) / temperature, 1);
}

double fit_temperature(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  auto log_p = torch::log(probabilities.to(torch::kDouble).clamp_min(1e-30));
  double best = 1, best_loss = std::numeric_limits<double>::infinity();
  constexpr int kSteps = 61;
  for (int k = 0; k < kSteps; ++k) {
    double t = std::exp(std::log(0.05) + (std::log(20.0) - std::log(0.05)) * k / (kSteps - 1));
    double loss = torch::nll_loss(torch::log_softmax(log_p / t, 1), labels).item<double>();
    if (loss < best_loss) best_loss = loss, best = t;
  }
  return best;
}

torch::jit::Module make_text_ensemble(const std::vector<TextMember>& members,
                                      const std::vector<std::string>& classes,
                                      FeatureConfig& config) {
  config = FeatureConfig();
  config.scheme = kEnsembleScheme;
  config.buckets = 0;
  torch::jit::Module m("TrainboxTextEnsemble");
  c10::List<std::string> names;
  for (const auto& name : classes) names.push_back(name);
  m.register_attribute("classes", c10::ListType::ofStrings(), names);
  std::string featurize = "def featurize(self, text: str) -> List[int]:\n    ids: List[int] = []\n";
  std::string forward = "def forward(self, ids: Tensor, offsets: Tensor) -> Tensor:\n";
  for (size_t i = 0; i < members.size(); ++i) {
    int64_t lo = config.buckets, hi = lo + members[i].config.buckets;
    auto member = members[i].model.clone();
    member.eval();
    m.register_module(fmt::format("m{}", i), member);
    featurize +=
        fmt::format("    for i in self.m{}.featurize(text):\n        ids.append(i + {})\n", i, lo);
    forward += fmt::format(
        "    i{0}, o{0} = self.member_ids(ids, offsets, {1}, {2})\n"
        "    p{0} = torch.softmax(torch.log_softmax(self.m{0}.logits(i{0}, o{0}), 1) / {3}, 1)\n",
        i, lo, hi, members[i].temperature);
    config.buckets = hi;
    config.members.push_back(members[i].config);
  }
  featurize += "    return ids\n\n";
  forward += "    return (p0";
  for (size_t i = 1; i < members.size(); ++i) forward += fmt::format(" + p{}", i);
  forward += fmt::format(") / {}.0\n\n", members.size());
  m.define(featurize + forward + kSplitSource + predict_texts_torchscript());
  return m;
}

}  // namespace trainbox::ml::text
