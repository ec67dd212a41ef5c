#include "ml/text/tfidf_candidate.h"

#include <algorithm>
#include <iterator>
#include <unordered_set>

#include "ml/search/leaderboard.h"
#include "ml/text/tfidf_model.h"

namespace trainbox::ml::text {

namespace {

// Full-batch L-BFGS holds every feature of its rows: cap the rows (a random sample).
// 100,000 rows in 51 classes held 3.3 GB and took 250 s for the first C on 2 cores.
constexpr size_t kMaxRows = 50'000;
// weight is [buckets, classes]: keep it within 32 MB.
constexpr int64_t kMaxWeights = int64_t{1} << 23;
// The grid only ranks C, each fit warm-started from the last: a third of the iterations does
// that; the refit runs to convergence.
constexpr int kGridIterations = 50;

// The rows the candidate reads and their ids; `ids` is indexed by dataset row (empty for rows
// no fit reads).
struct HashedRows {
  std::vector<size_t> train;  // a sample of the training split, sorted
  std::vector<size_t> used;   // train + validation, sorted
  std::vector<std::vector<int64_t>> ids;
};

// At least 8 buckets per distinct n-gram: with 2 (the embedding's rule) about a fifth of the
// n-grams shared a weight, and that cost 1.5 points on fortune_topics (0.597 against 0.616 at 8
// buckets per n-gram, bench/README.md); the weights stay within kMaxWeights.
void size_buckets(FeatureConfig& config, size_t distinct_words, size_t distinct_chars,
                  int64_t classes) {
  int64_t word_buckets = buckets_for(4 * distinct_words, 1 << 10, 1 << 20);
  int64_t char_buckets = buckets_for(4 * distinct_chars, 1 << 10, 1 << 21);
  while ((word_buckets + char_buckets) * classes > kMaxWeights && char_buckets > (1 << 10)) {
    if (char_buckets >= word_buckets)
      char_buckets /= 2;
    else
      word_buckets /= 2;
  }
  config.word_buckets = word_buckets;
  config.buckets = word_buckets + char_buckets;
}

// Only the rows a fit or the validation reads are hashed (a sample of a huge training split).
Result<HashedRows> hash_rows(const TextDataset& dataset, const Split& split, FeatureConfig& config,
                             const TrainHooks& hooks) {
  HashedRows rows;
  rows.train = at_most(split.train, kMaxRows, /*seed=*/0x7f1d);
  std::sort(rows.train.begin(), rows.train.end());
  std::merge(rows.train.begin(), rows.train.end(), split.val.begin(), split.val.end(),
             std::back_inserter(rows.used));
  size_t n = dataset.texts.size();
  std::vector<std::vector<uint32_t>> words(n), chars(n);
  std::unordered_set<uint32_t> distinct_words, distinct_chars;
  for (size_t k = 0; k < rows.used.size(); ++k) {
    if (k % 2048 == 0 && hooks.should_stop()) return cancelled();
    size_t i = rows.used[k];
    append_tfidf_hashes(dataset.texts[i], config, words[i], chars[i]);
    distinct_words.insert(words[i].begin(), words[i].end());
    distinct_chars.insert(chars[i].begin(), chars[i].end());
  }
  size_buckets(config, distinct_words.size(), distinct_chars.size(),
               static_cast<int64_t>(dataset.summary.classes.size()));
  rows.ids.resize(n);
  for (size_t i : rows.used) {
    rows.ids[i].reserve(words[i].size() + chars[i].size());
    for (uint32_t h : words[i]) rows.ids[i].push_back(h % config.word_buckets);
    for (uint32_t h : chars[i]) {
      rows.ids[i].push_back(config.word_buckets + h % (config.buckets - config.word_buckets));
    }
    std::vector<uint32_t>().swap(words[i]);
    std::vector<uint32_t>().swap(chars[i]);
  }
  return rows;
}

// What the C grid leaves: the best C's weights and the cost of the first fit.
struct GridResult {
  std::vector<torch::Tensor> best_weights;  // weight, bias
  double first_fit_seconds = 0;
  double rows_fitted = 0;
};

// Fits each C of the grid on the training rows, warm-started, and keeps the best on validation
// in out.val / out.c / out.grid.
Result<GridResult> run_grid(torch::jit::Module& model, const HashedRows& rows,
                            const TextDataset& dataset, const Split& split, LinearFitOptions fit,
                            Reporter& report, TfidfOutcome& out, Clock::time_point fit_start) {
  const std::vector<double> kGrid = {1, 3, 10, 30, 100};
  TfidfRows prepared(model, make_batch(rows.ids, rows.train),
                     labels_tensor(dataset.labels, rows.train));
  fit.max_iterations = kGridIterations;
  GridResult grid;
  for (size_t g = 0; g < kGrid.size(); ++g) {
    if (g > 0 && Clock::now() > fit.deadline) break;
    fit.c = kGrid[g];
    TRAINBOX_TRY(fit_tfidf_model(model, prepared, fit));
    if (g == 0) grid.first_fit_seconds = seconds_since(fit_start);
    grid.rows_fitted += static_cast<double>(rows.train.size());
    Evaluation val = evaluate_rows(model, rows.ids, dataset.labels, split.val);
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
    bool better = grid.best_weights.empty() || val.accuracy > out.val.accuracy ||
                  (val.accuracy == out.val.accuracy && val.loss < out.val.loss);
    if (better) {
      out.val = std::move(val);
      out.c = fit.c;
      grid.best_weights = {model.attr("weight").toTensor().clone(),
                           model.attr("bias").toTensor().clone()};
    }
  }
  return grid;
}

void set_weights(torch::jit::Module& model, const std::vector<torch::Tensor>& weights) {
  torch::NoGradGuard no_grad;
  model.attr("weight").toTensor().copy_(weights[0]);
  model.attr("bias").toTensor().copy_(weights[1]);
}

}  // namespace

// The TF-IDF linear candidate: C chosen on validation from a small grid (warm-started from the
// previous C), then refitted on training + validation rows with that C when the time is there.
Result<TfidfOutcome> train_tfidf(const TextDataset& dataset, const Split& split,
                                 const TrainHooks& hooks, Reporter& report,
                                 Clock::time_point deadline) {
  auto fit_start = Clock::now();
  TfidfOutcome out;
  out.config.scheme = kTfidfScheme;
  out.config.word_ngrams = 2;
  out.config.char_min = 2;
  out.config.char_max = 5;
  const FeatureConfig& config = out.config;
  auto rows = hash_rows(dataset, split, out.config, hooks);
  if (!rows) return fail(rows.error());
  torch::jit::Module model =
      make_tfidf_model(config, dataset.summary.classes,
                       tfidf_idf(rows->ids, rows->train, config.buckets, config.word_buckets));
  LinearFitOptions fit;
  fit.should_stop = hooks.should_stop;
  fit.deadline = deadline;
  auto grid = run_grid(model, *rows, dataset, split, fit, report, out, fit_start);
  if (!grid) return fail(grid.error());
  // Refit on every labelled row: validation only chose C, and 20% more data helps a linear model.
  // It costs about what the first C did (preparing the rows and a cold fit); without the time
  // for it the model fitted on the training rows is kept, which is valid on its own.
  double rows_fitted = grid->rows_fitted;
  if (search::seconds_left(deadline) < 1.5 * grid->first_fit_seconds) {
    out.model = model;
    set_weights(out.model, grid->best_weights);
  } else {
    out.model =
        make_tfidf_model(config, dataset.summary.classes,
                         tfidf_idf(rows->ids, rows->used, config.buckets, config.word_buckets));
    set_weights(out.model, grid->best_weights);
    fit.c = out.c;
    TRAINBOX_TRY(fit_tfidf_model(out.model,
                                 TfidfRows(out.model, make_batch(rows->ids, rows->used),
                                           labels_tensor(dataset.labels, rows->used)),
                                 fit));
    rows_fitted += static_cast<double>(rows->used.size());
    out.refit_rows = rows->used.size();
  }
  out.rows_per_s = rows_fitted / std::max(seconds_since(fit_start), 1e-9);
  return out;
}

}  // namespace trainbox::ml::text
