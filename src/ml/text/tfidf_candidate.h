#pragma once
// The TF-IDF linear candidate (tfidf_model.h): C chosen on validation from a small grid,
// warm-started, then refitted on training + validation rows when the time is there. Private to
// ml/text (includes LibTorch).

#include <torch/script.h>

#include <nlohmann/json.hpp>

#include "ml/text/text_dataset.h"
#include "ml/text/text_search_common.h"

namespace trainbox::ml::text {

struct TfidfOutcome {
  torch::jit::Module model;  // refitted on train + validation rows with the chosen C
  FeatureConfig config;
  Evaluation val;  // of the chosen C, fitted on the training rows only
  double c = 0;
  double rows_per_s = 0;
  size_t refit_rows = 0;
  nlohmann::json grid = nlohmann::json::array();
};

Result<TfidfOutcome> train_tfidf(const TextDataset& dataset, const Split& split,
                                 const TrainHooks& hooks, Reporter& report,
                                 Clock::time_point deadline);

}  // namespace trainbox::ml::text
