// The TF-IDF linear model. The weighting lives in TorchScript (`tfidf`) so the exported file
// computes it exactly as training did; training calls the same method once for all rows, then
// optimises only the linear layer on those fixed weights.
#include "ml/text/tfidf_model.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <unordered_set>

namespace trainbox::ml::text {
namespace {

// Placeholders: {WB} word buckets, {CB} char buckets, {B} all buckets, {W} word n-grams,
// {C0}/{C1} char n-gram range, {H1}/{H2}/{H3} FNV state after each tag byte.
constexpr const char* kTfidfSource = R"TS(
def is_space(self, o: int) -> bool:
    return o == 32 or (o >= 9 and o <= 13)

def featurize(self, text: str) -> List[int]:
    ids: List[int] = []
    tokens = self.tokenize(text)
    for i in range(len(tokens)):
        token = tokens[i]
        ids.append(self.fnv({H1}, token, 0, len(token)) % {WB})
        if i > 0 and {W} >= 2:
            previous = tokens[i - 1]
            h = self.fnv({H2}, previous, 0, len(previous))
            h = self.fnv(h, [32], 0, 1)
            ids.append(self.fnv(h, token, 0, len(token)) % {WB})
    if {C0} > 0:
        i = 0
        n_text = len(text)
        while i < n_text:
            while i < n_text and self.is_space(ord(text[i])):
                i += 1
            if i >= n_text:
                break
            word: List[int] = [32]
            while i < n_text and not self.is_space(ord(text[i])):
                o = ord(text[i])
                if o >= 65 and o <= 90:
                    o = o + 32
                word.append(o)
                i += 1
            word.append(32)
            for n in range({C0}, {C1} + 1):
                if n >= len(word):
                    ids.append({WB} + self.fnv({H3}, word, 0, len(word)) % {CB})
                    break
                for start in range(0, len(word) - n + 1):
                    ids.append({WB} + self.fnv({H3}, word, start, start + n) % {CB})
    return ids

def tfidf(self, ids: Tensor, offsets: Tensor) -> Tensor:
    n = ids.size(0)
    b = offsets.size(0)
    ends = torch.cat([offsets[1:], torch.tensor([n], dtype=4)])
    doc = torch.repeat_interleave(torch.arange(b), ends - offsets)
    key = doc * {B} + ids
    unique, inverse, counts = torch._unique2(key, True, True, True)
    count = counts.float()
    per_occurrence = (1.0 + torch.log(count)) / count
    idf = torch.index_select(self.idf, 0, ids)
    unique_ids = torch.remainder(unique, {B})
    unique_weight = (1.0 + torch.log(count)) * torch.index_select(self.idf, 0, unique_ids)
    unique_slot = torch.div(unique, {B}, rounding_mode='floor') * 2 + (unique_ids >= {WB}).long()
    norm2 = torch.zeros([b * 2]).index_add(0, unique_slot, unique_weight * unique_weight)
    norm = torch.sqrt(norm2).clamp_min(1e-12)
    slot = doc * 2 + (ids >= {WB}).long()
    return torch.index_select(per_occurrence, 0, inverse) * idf / torch.index_select(norm, 0, slot)

def logits(self, ids: Tensor, offsets: Tensor) -> Tensor:
    w = self.tfidf(ids, offsets)
    pooled = torch.embedding_bag(self.weight, ids, offsets, False, 0, False, w, False)[0]
    return pooled + self.bias

def forward(self, ids: Tensor, offsets: Tensor) -> Tensor:
    return torch.softmax(self.logits(ids, offsets), 1)
)TS";

std::string tfidf_source(const FeatureConfig& c) {
  return std::string(tokenizer_torchscript()) + predict_texts_torchscript() +
         fmt::format(fmt::runtime(kTfidfSource), fmt::arg("WB", c.word_buckets),
                     fmt::arg("CB", c.buckets - c.word_buckets), fmt::arg("B", c.buckets),
                     fmt::arg("W", c.word_ngrams), fmt::arg("C0", c.char_min),
                     fmt::arg("C1", c.char_max), fmt::arg("H1", fnv1a32(1, "")),
                     fmt::arg("H2", fnv1a32(2, "")), fmt::arg("H3", fnv1a32(3, "")));
}

}  // namespace

torch::Tensor tfidf_idf(const std::vector<std::vector<int64_t>>& ids,
                        const std::vector<size_t>& rows, int64_t buckets, int64_t rare_from) {
  std::vector<float> df(static_cast<size_t>(buckets), 0);
  std::unordered_set<int64_t> seen;
  for (size_t row : rows) {
    seen.clear();
    for (int64_t id : ids[row]) {
      if (seen.insert(id).second) df[static_cast<size_t>(id)] += 1;
    }
  }
  auto n = static_cast<double>(rows.size());
  torch::Tensor idf = torch::zeros({buckets});
  float* out = idf.data_ptr<float>();
  for (size_t i = 0; i < df.size(); ++i) {
    float min_df = static_cast<int64_t>(i) >= rare_from ? 2 : 1;
    if (df[i] >= min_df) out[i] = static_cast<float>(std::log((1 + n) / (1 + df[i])) + 1);
  }
  return idf;
}

torch::jit::Module make_tfidf_model(const FeatureConfig& config,
                                    const std::vector<std::string>& classes,
                                    const torch::Tensor& idf) {
  torch::jit::Module model("TrainboxTfidfClassifier");
  auto num_classes = static_cast<int64_t>(classes.size());
  model.register_parameter("weight", torch::zeros({config.buckets, num_classes}), false);
  model.register_parameter("bias", torch::zeros({num_classes}), false);
  model.register_buffer("idf", idf.to(torch::kFloat).contiguous());
  c10::List<std::string> names;
  for (const auto& name : classes) names.push_back(name);
  model.register_attribute("classes", c10::ListType::ofStrings(), names);
  model.define(tfidf_source(config));
  return model;
}

namespace {

// The training rows as a compact problem: one entry per distinct (row, id) with its summed
// weight, ids renumbered over those the rows use. The fit then touches only those weights (a
// fraction of the buckets) and each entry once, instead of every occurrence of every n-gram.
// A sparse matrix as EmbeddingBag inputs: row r is the weighted sum of table[ids[k]] for k in
// [offsets[r], offsets[r+1]). EmbeddingBag's forward measured 7 ms where a COO product took 60.
struct Bags {
  torch::Tensor ids, offsets, weights;
  torch::Tensor times(const torch::Tensor& table) const {
    return std::get<0>(torch::embedding_bag(table, ids, offsets, false, 0, false, weights));
  }
};

// Bags over (row, key) pairs already sorted by row, for `rows` rows.
Bags bags(const torch::Tensor& row, const torch::Tensor& key, const torch::Tensor& weight,
          int64_t rows) {
  auto per_row = torch::bincount(row, {}, rows);
  auto offsets =
      torch::cat({torch::zeros({1}, torch::kLong), per_row.cumsum(0).slice(0, 0, rows - 1)});
  return {key.contiguous(), offsets, weight.contiguous()};
}

// The training rows as a compact problem: one entry per distinct (row, id) with its summed
// weight, ids renumbered over those the rows use, so the fit touches only those weights (a
// fraction of the buckets) and each entry once.
}  // namespace

struct TfidfRows::Compact {
  Bags x;                    // [rows, V]
  Bags x_t;                  // [V, rows]: the transpose, for the gradient
  torch::Tensor vocabulary;  // int64 [V], bucket of each compact id
  torch::Tensor onehot;      // float [rows, C]
};

namespace {

TfidfRows::Compact compact_rows(const FeatureBatch& batch, const torch::Tensor& weights,
                                int64_t buckets) {
  int64_t n = batch.ids.size(0), rows = batch.offsets.size(0);
  auto ends = torch::cat({batch.offsets.slice(0, 1), torch::tensor({n}, torch::kLong)});
  auto row = torch::repeat_interleave(torch::arange(rows, torch::kLong), ends - batch.offsets);
  // Occurrences of weight 0 (n-grams below min_df) carry nothing: leave them out of the problem.
  auto nonzero = weights.ne(0);
  auto key = (row * buckets + batch.ids).masked_select(nonzero);
  auto [unique, inverse, counts] = torch::_unique2(key, true, true, false);
  auto summed =
      torch::zeros({unique.size(0)}).index_add_(0, inverse, weights.masked_select(nonzero));
  auto bucket = torch::remainder(unique, buckets);
  auto [vocabulary, compact_ids, unused] = torch::_unique2(bucket, true, true, false);
  auto entry_row = torch::div(unique, buckets, "floor");
  int64_t v = vocabulary.size(0);
  // `unique` is sorted by row; sort once more by column for the transpose.
  auto by_column = torch::argsort(compact_ids * rows + entry_row);
  return {bags(entry_row, compact_ids, summed, rows),
          bags(compact_ids.index_select(0, by_column), entry_row.index_select(0, by_column),
               summed.index_select(0, by_column), v),
          vocabulary, torch::Tensor()};
}

}  // namespace

TfidfRows::TfidfRows(torch::jit::Module& model, const FeatureBatch& batch,
                     const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  auto weights = model.run_method("tfidf", batch.ids, batch.offsets).toTensor();
  auto buckets = model.attr("weight").toTensor().size(0);
  auto classes = model.attr("weight").toTensor().size(1);
  compact_ = std::make_shared<Compact>(compact_rows(batch, weights, buckets));
  compact_->onehot = torch::one_hot(labels, classes).to(torch::kFloat);
}

Status fit_tfidf_model(torch::jit::Module& model, const TfidfRows& prepared,
                       const LinearFitOptions& o) {
  torch::Tensor full_w = model.attr("weight").toTensor();
  torch::Tensor b = model.attr("bias").toTensor();
  const TfidfRows::Compact& rows = prepared.compact();
  // Start from the model's weights (warm start across C); unused buckets stay as they are.
  torch::Tensor w = full_w.index_select(0, rows.vocabulary).clone();
  torch::Tensor bias = b.clone();
  const torch::Tensor& onehot = rows.onehot;
  auto n = static_cast<double>(onehot.size(0));
  double penalty = 0.5 / o.c;  // on the summed loss, as scikit-learn
  torch::optim::LBFGS optimizer({w, bias}, torch::optim::LBFGSOptions(1)
                                               .max_iter(o.max_iterations)
                                               .history_size(5)
                                               .tolerance_grad(1e-5)
                                               .tolerance_change(1e-8)
                                               .line_search_fn("strong_wolfe"));
  bool stopped = false;
  // Loss and gradient by hand through sparse products (autograd through embedding_bag's
  // backward was several times slower): mean cross entropy + (penalty / n) |W|^2, the same minimum
  // as scikit-learn's summed form at a scale L-BFGS's tolerances suit.
  auto closure = [&]() -> torch::Tensor {
    torch::NoGradGuard no_grad;
    if (o.should_stop() || std::chrono::steady_clock::now() > o.deadline) stopped = true;
    auto logits = rows.x.times(w) + bias;
    auto log_p = torch::log_softmax(logits, 1);
    auto loss = -(log_p * onehot).sum() / n + (penalty / n) * w.pow(2).sum();
    if (stopped) {
      w.mutable_grad() = torch::zeros_like(w);
      bias.mutable_grad() = torch::zeros_like(bias);
      return loss;
    }
    auto g = (log_p.exp() - onehot) / n;
    w.mutable_grad() = rows.x_t.times(g) + (2 * penalty / n) * w;
    bias.mutable_grad() = g.sum(0);
    return loss;
  };
  optimizer.step(closure);
  {
    torch::NoGradGuard no_grad;
    b.copy_(bias);
    // Buckets the rows never use get no signal, only the penalty: their optimum is zero.
    full_w.zero_();
    full_w.index_copy_(0, rows.vocabulary, w);
  }
  if (stopped && o.should_stop()) {
    return fail(ErrorCode::kCancelled, "cancelled", "training was stopped on request");
  }
  return {};
}

}  // namespace trainbox::ml::text
