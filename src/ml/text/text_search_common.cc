#include "ml/text/text_search_common.h"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "ml/text/text_model.h"

namespace trainbox::ml::text {

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

tl::unexpected<Error> cancelled() {
  return fail(ErrorCode::kCancelled, "cancelled", "training was stopped on request");
}

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
    size_t val =
        std::clamp<size_t>(static_cast<size_t>(std::lround(val_fraction * n)), 1, rows.size() - 1);
    split.val.insert(split.val.end(), rows.begin(), rows.begin() + static_cast<long>(val));
    split.train.insert(split.train.end(), rows.begin() + static_cast<long>(val), rows.end());
  }
  std::sort(split.val.begin(), split.val.end());
  return split;
}

void Reporter::operator()(TrainProgress progress, bool force) {
  constexpr double kInterval = 0.5;
  if (!force && seconds_since(last_) < kInterval) return;
  last_ = Clock::now();
  hooks_.report(progress);
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
    weights[static_cast<int64_t>(c)] =
        static_cast<double>(rows.size()) /
        (static_cast<double>(num_classes) * std::max(counts[c], 1.0));
  }
  return weights;
}

// Accuracy, loss and predictions of probabilities [rows, classes] against `labels`.
Evaluation evaluation_of(const torch::Tensor& probabilities, const torch::Tensor& labels) {
  Evaluation e;
  e.probabilities = probabilities;
  auto predicted = probabilities.argmax(1).contiguous();
  e.accuracy = predicted.eq(labels).to(torch::kDouble).mean().item<double>();
  e.loss =
      -probabilities.gather(1, labels.unsqueeze(1)).clamp_min(1e-12).log().mean().item<double>();
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
    std::vector<size_t> part(
        rows.begin() + static_cast<long>(begin),
        rows.begin() + static_cast<long>(std::min(begin + kEvalBatch, rows.size())));
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
    for (int64_t i = 0; i < predicted.size(0); ++i)
      result.predicted.push_back(static_cast<int>(p[i]));
    probabilities.push_back(torch::softmax(logits, 1));
  }
  auto n = static_cast<double>(std::max<size_t>(rows.size(), 1));
  result.loss = loss_sum / n;
  result.accuracy = correct / n;
  if (!probabilities.empty()) result.probabilities = torch::cat(probabilities);
  return result;
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

}  // namespace trainbox::ml::text
