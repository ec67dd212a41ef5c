#pragma once
// An ensemble of text models as one TorchScript module with the text model interface
// (text_model.h): forward(ids, offsets) takes the ids of the "ensemble" scheme
// (text_features.h), hands each member its own ids and averages their probabilities;
// featurize and predict_texts work on raw strings. Private to ml/text.

#include <torch/script.h>

#include <string>
#include <vector>

#include "ml/text/text_features.h"

namespace trainbox::ml::text {

struct TextMember {
  torch::jit::Module model;
  FeatureConfig config;
};

// The module and, through `config`, its ensemble feature config.
torch::jit::Module make_text_ensemble(const std::vector<TextMember>& members,
                                      const std::vector<std::string>& classes,
                                      FeatureConfig& config);

}  // namespace trainbox::ml::text
