#include "ml/text/tfidf_candidate.h"

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include "ml/search/leaderboard.h"
#include "ml/text/tfidf_model.h"

namespace trainbox::ml::text {

// The TF-IDF linear candidate: C chosen on validation from a small grid (warm-started from the
// previous C), then refitted on every labelled row with that C.
Result<TfidfOutcome> train_tfidf(const TextDataset& dataset, const Split& split,
                                 const TrainHooks& hooks, Reporter& report,
                                 Clock::time_point deadline) {
  // Full-batch L-BFGS holds every feature of its rows: cap the rows (a random sample).
  // 100,000 rows in 51 classes held 3.3 GB and took 250 s for the first C on 2 cores.
  constexpr size_t kMaxRows = 50'000;
  // weight is [buckets, classes]: keep it within 32 MB.
  constexpr int64_t kMaxWeights = int64_t{1} << 23;
  const std::vector<double> kGrid = {1, 3, 10, 30, 100};
  auto fit_start = Clock::now();
  TfidfOutcome out;
  FeatureConfig& config = out.config;
  config.scheme = kTfidfScheme;
  config.word_ngrams = 2;
  config.char_min = 2;
  config.char_max = 5;
  // Only the rows a fit or the validation reads are hashed (a sample of a huge training split).
  uint64_t seed = 0x7f1d;
  std::vector<size_t> train_rows = at_most(split.train, kMaxRows, seed);
  std::sort(train_rows.begin(), train_rows.end());
  std::vector<size_t> used_rows;
  std::merge(train_rows.begin(), train_rows.end(), split.val.begin(), split.val.end(),
             std::back_inserter(used_rows));
  size_t n = dataset.texts.size();
  std::vector<std::vector<uint32_t>> words(n), chars(n);
  std::unordered_set<uint32_t> distinct_words, distinct_chars;
  for (size_t k = 0; k < used_rows.size(); ++k) {
    if (k % 2048 == 0 && hooks.should_stop()) return cancelled();
    size_t i = used_rows[k];
    append_tfidf_hashes(dataset.texts[i], config, words[i], chars[i]);
    distinct_words.insert(words[i].begin(), words[i].end());
    distinct_chars.insert(chars[i].begin(), chars[i].end());
  }
  int64_t classes = static_cast<int64_t>(dataset.summary.classes.size());
  // At least 8 buckets per distinct n-gram: with 2 (the embedding's rule) about a fifth of the
  // n-grams shared a weight, and that cost 1.5 points on fortune_topics (0.597 against 0.616 at
  // 8 buckets per n-gram, bench/README.md); the weights stay within kMaxWeights below.
  int64_t word_buckets = buckets_for(4 * distinct_words.size(), 1 << 10, 1 << 20);
  int64_t char_buckets = buckets_for(4 * distinct_chars.size(), 1 << 10, 1 << 21);
  while ((word_buckets + char_buckets) * classes > kMaxWeights && char_buckets > (1 << 10)) {
    if (char_buckets >= word_buckets)
      char_buckets /= 2;
    else
      word_buckets /= 2;
  }
  config.word_buckets = word_buckets;
  config.buckets = word_buckets + char_buckets;
  std::vector<std::vector<int64_t>> ids(n);
  for (size_t i : used_rows) {
    ids[i].reserve(words[i].size() + chars[i].size());
    for (uint32_t h : words[i]) ids[i].push_back(h % word_buckets);
    for (uint32_t h : chars[i]) ids[i].push_back(word_buckets + h % char_buckets);
    std::vector<uint32_t>().swap(words[i]);
    std::vector<uint32_t>().swap(chars[i]);
  }
  torch::Tensor train_labels = labels_tensor(dataset.labels, train_rows);
  torch::jit::Module model = make_tfidf_model(
      config, dataset.summary.classes, tfidf_idf(ids, train_rows, config.buckets, word_buckets));
  TfidfRows prepared(model, make_batch(ids, train_rows), train_labels);
  LinearFitOptions fit;
  fit.should_stop = hooks.should_stop;
  fit.deadline = deadline;
  // The grid only ranks C, each fit warm-started from the last: a third of the iterations does
  // that; the refit below runs to convergence.
  constexpr int kGridIterations = 50;
  const int full_iterations = fit.max_iterations;
  fit.max_iterations = kGridIterations;
  std::vector<torch::Tensor> best_weights;
  double rows_fitted = 0;
  double first_fit_seconds = 0;
  for (size_t g = 0; g < kGrid.size(); ++g) {
    if (g > 0 && Clock::now() > deadline) break;
    fit.c = kGrid[g];
    TRAINBOX_TRY(fit_tfidf_model(model, prepared, fit));
    if (g == 0) first_fit_seconds = seconds_since(fit_start);
    rows_fitted += static_cast<double>(train_rows.size());
    Evaluation val = evaluate_rows(model, ids, dataset.labels, split.val);
    auto grid_size = static_cast<int>(kGrid.size());
    report({.phase = "training",
            .fraction = 0.1 + 0.3 * static_cast<double>(g + 1) / grid_size,
            .epoch = static_cast<int>(g) + 1,
            .epochs = grid_size,
            .live = {{"candidate", "tfidf_linear"},
                     {"C", fit.c},
                     {"loss", val.loss},
                     {"accuracy", val.accuracy}}},
           true);
    out.grid.push_back({{"C", fit.c}, {"val_accuracy", val.accuracy}, {"val_loss", val.loss}});
    bool better = best_weights.empty() || val.accuracy > out.val.accuracy ||
                  (val.accuracy == out.val.accuracy && val.loss < out.val.loss);
    if (better) {
      out.val = std::move(val);
      out.c = fit.c;
      best_weights = {model.attr("weight").toTensor().clone(),
                      model.attr("bias").toTensor().clone()};
    }
  }
  // Refit on every labelled row: validation only chose C, and 20% more data helps a linear model.
  // It costs about what the first C did (preparing the rows and a cold fit); without the time
  // for it the model fitted on the training rows is kept, which is valid on its own.
  const std::vector<size_t>& all_rows = used_rows;
  if (search::seconds_left(deadline) < 1.5 * first_fit_seconds) {
    out.model = model;
    torch::NoGradGuard no_grad;
    out.model.attr("weight").toTensor().copy_(best_weights[0]);
    out.model.attr("bias").toTensor().copy_(best_weights[1]);
    out.refit_rows = 0;
  } else {
    out.model = make_tfidf_model(config, dataset.summary.classes,
                                 tfidf_idf(ids, all_rows, config.buckets, word_buckets));
    {
      torch::NoGradGuard no_grad;
      out.model.attr("weight").toTensor().copy_(best_weights[0]);
      out.model.attr("bias").toTensor().copy_(best_weights[1]);
    }
    fit.c = out.c;
    fit.max_iterations = full_iterations;
    fit.deadline = deadline;
    TRAINBOX_TRY(fit_tfidf_model(
        out.model,
        TfidfRows(out.model, make_batch(ids, all_rows), labels_tensor(dataset.labels, all_rows)),
        fit));
    rows_fitted += static_cast<double>(all_rows.size());
    out.refit_rows = all_rows.size();
  }
  out.rows_per_s = rows_fitted / std::max(seconds_since(fit_start), 1e-9);
  return out;
}

}  // namespace trainbox::ml::text
