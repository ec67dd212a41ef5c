#pragma once
// An ensemble of text models as one TorchScript module with the text model interface
// (text_model.h): forward(ids, offsets) takes the ids of the "ensemble" scheme
// (text_features.h), hands each member its own ids and averages their tempered probabilities;
// featurize and predict_texts work on raw strings. Private to ml/text.

#include <torch/script.h>

#include <string>
#include <vector>

#include "ml/text/text_features.h"

namespace trainbox::ml::text {

struct TextMember {
  torch::jit::Module model;
  FeatureConfig config;
  // Its probabilities enter the average as softmax(log p / temperature): a temperature fitted
  // on validation keeps an overconfident member from outvoting a better calibrated one.
  double temperature = 1;
};

// The temperature in [0.05, 20] (a log grid) that minimises the cross entropy of
// softmax(log probabilities / T) against `labels`.
double fit_temperature(const torch::Tensor& probabilities, const torch::Tensor& labels);

// softmax(log probabilities / temperature), row by row.
torch::Tensor tempered(const torch::Tensor& probabilities, double temperature);

// The module and, through `config`, its ensemble feature config.
torch::jit::Module make_text_ensemble(const std::vector<TextMember>& members,
                                      const std::vector<std::string>& classes,
                                      FeatureConfig& config);

}  // namespace trainbox::ml::text
