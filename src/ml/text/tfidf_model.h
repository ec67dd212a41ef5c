#pragma once
// The TF-IDF linear text model: the features of the "tfidf" scheme (text_features.h) weighted
// by sublinear tf * idf and L2-normalised (word and char parts separately, as scikit-learn's
// union of two TfidfVectorizers), then a multinomial logistic regression fitted by L-BFGS with
// an L2 penalty 1/(2C) |W|^2 on the summed loss (scikit-learn's LogisticRegression(C)).
// As TorchScript, same interface as the embedding model (text_model.h):
//   tfidf(ids, offsets) -> per-occurrence weights; logits/forward(ids, offsets);
//   featurize(text) -> List[int]; predict_texts(List[str]) -> probabilities; classes.
// Private to ml/text (includes LibTorch).

#include <torch/script.h>

#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "ml/text/text_features.h"
#include "ml/text/text_model.h"
#include "util/result.h"

namespace trainbox::ml::text {

// idf over `rows` of `ids`: ln((1 + n) / (1 + df)) + 1, and 0 for ids no row has. Ids from
// `rare_from` on (the char n-grams) also get 0 when only one row has them, as scikit-learn's
// min_df=2: most char n-grams are seen once, and without them the fit has a fraction of the
// weights to carry (10,000 Debian descriptions in 51 classes took 70 s with them).
torch::Tensor tfidf_idf(const std::vector<std::vector<int64_t>>& ids,
                        const std::vector<size_t>& rows, int64_t buckets,
                        int64_t rare_from = std::numeric_limits<int64_t>::max());

// A model with zero weights; `idf` [buckets] from tfidf_idf.
torch::jit::Module make_tfidf_model(const FeatureConfig& config,
                                    const std::vector<std::string>& classes,
                                    const torch::Tensor& idf);

struct LinearFitOptions {
  double c = 10;  // inverse regularisation strength, as in scikit-learn
  int max_iterations = 150;
  std::function<bool()> should_stop = [] { return false; };
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
};

// Training rows weighted by `model`'s idf, prepared once for every fit of a C grid: one entry
// per distinct (row, id), ids renumbered over those the rows use.
class TfidfRows {
 public:
  TfidfRows(torch::jit::Module& model, const FeatureBatch& batch, const torch::Tensor& labels);
  struct Compact;
  const Compact& compact() const { return *compact_; }

 private:
  std::shared_ptr<Compact> compact_;
};

// Fits weight/bias on `rows` (prepared with this model's idf), starting from the model's current
// weights, so a larger C can warm-start from a smaller one. kCancelled when should_stop turned
// true; at the deadline it stops with the weights reached so far.
Status fit_tfidf_model(torch::jit::Module& model, const TfidfRows& rows,
                       const LinearFitOptions& options);

}  // namespace trainbox::ml::text
