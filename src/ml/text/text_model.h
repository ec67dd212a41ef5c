#pragma once
// Private to ml/text (includes LibTorch). The text model is a torch::jit::Module assembled in
// C++: parameters `embedding` [buckets, dim], `head_weight` [classes, dim], `head_bias`
// [classes]; attribute `classes` (List[str]); TorchScript methods
//   logits(ids, offsets) -> Tensor            raw scores (training uses these)
//   forward(ids, offsets) -> Tensor           softmax probabilities, EmbeddingBag offsets layout
//   featurize(text: str) -> List[int]         the ids of text_features.h, in TorchScript
//   predict_texts(texts: List[str]) -> Tensor probabilities from raw strings
// The module that trains is the module that is saved.

#include <torch/script.h>

#include <string>
#include <vector>

#include "ml/text/text_features.h"

namespace trainbox::ml::text {

// A fresh model with fastText's initialisation (embedding U(-1/dim, 1/dim), head zero).
// REQUIRES: torch::manual_seed was called when reproducibility matters.
torch::jit::Module make_text_model(const FeatureConfig& config,
                                   const std::vector<std::string>& classes, int64_t dim);

// TorchScript methods `fnv(h, data, start, end)` and `tokenize(text)`, shared by the text models.
const char* tokenizer_torchscript();
// TorchScript `predict_texts(texts)`: featurize each text, then forward (ids, offsets).
const char* predict_texts_torchscript();

struct FeatureBatch {
  torch::Tensor ids;      // int64 [total features]
  torch::Tensor offsets;  // int64 [batch]
};

// Packs the feature ids of the given rows (all rows when `rows` is empty).
FeatureBatch make_batch(const std::vector<std::vector<int64_t>>& features,
                        const std::vector<size_t>& rows = {});

// Probabilities [batch, classes] of texts through C++ featurisation and `forward`, without grad.
torch::Tensor predict_probabilities(torch::jit::Module& model, const FeatureConfig& config,
                                    const std::vector<std::string>& texts);

// Probabilities through the module's own TorchScript `predict_texts`.
torch::Tensor predict_texts_in_torchscript(torch::jit::Module& model,
                                           const std::vector<std::string>& texts);

// Ids from the module's TorchScript `featurize` (for parity tests).
std::vector<int64_t> featurize_in_torchscript(torch::jit::Module& model, const std::string& text);

}  // namespace trainbox::ml::text
