#pragma once
// Tokenisation and feature hashing of the text model, in C++. The TorchScript twin in
// text_model.cc (method `featurize`) must give identical ids; text_model_test.cc checks it.
//
// Definition (also written to preprocess.json and README.md), over the UTF-8 bytes of a text:
//  * lowercase: ASCII A-Z become a-z; every other byte is unchanged.
//  * tokens: maximal runs of "word bytes" = ASCII letters and digits, and every byte >= 0x80
//    (so non-ASCII letters stay inside words). ASCII spaces, controls and punctuation separate.
//  * features of a text, in this order, per token t_i: the word (tag 1, bytes of t_i); then, when
//    i > 0, the bigram (tag 2, bytes of t_{i-1} + ' ' + t_i); then the byte n-grams of
//    '<' + t_i + '>' for n = char_min..char_max, left to right (tag 3).
//  * id = fnv1a32(tag byte, then the bytes) % buckets; FNV-1a 32-bit: h = 2166136261, and per
//    byte h = (h ^ byte) * 16777619 mod 2^32.
// Torch-free. Thread-safe (pure functions).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace trainbox::ml::text {

// Second scheme, "tfidf" (the TF-IDF linear model): word unigrams and bigrams as above, hashed
// into [0, word_buckets); then character n-grams (n = char_min..char_max) of each
// whitespace-separated word, lowercased and padded with one space on each side (scikit-learn's
// "char_wb" analyser, over bytes), hashed with tag 3 into [word_buckets, buckets).
inline constexpr const char* kHashedNgrams = "hashed_ngrams";
inline constexpr const char* kTfidfScheme = "tfidf";
// Third scheme, "ensemble": the ids of each member model's scheme in turn, member k's shifted by
// the buckets of the members before it (so one id list carries every member's features).
inline constexpr const char* kEnsembleScheme = "ensemble";

struct FeatureConfig {
  std::string scheme = kHashedNgrams;
  int64_t buckets = 1 << 18;
  int64_t word_buckets = 0;  // tfidf only: ids below are words/bigrams, the rest char n-grams
  std::vector<FeatureConfig> members;  // ensemble only; buckets = the sum of theirs
  int word_ngrams = 2;                 // 1 = words only, 2 = words + bigrams
  int char_min = 3;                    // 0 disables character n-grams
  int char_max = 5;
};

uint32_t fnv1a32(uint8_t tag, std::string_view bytes);

// Lowercased tokens of `text` (see the definition above).
std::vector<std::string> tokenize(std::string_view text);

// Appends the raw 32-bit hashes of the features of `text` to `out`.
void append_feature_hashes(std::string_view text, const FeatureConfig& config,
                           std::vector<uint32_t>& out);

// tfidf scheme: raw 32-bit hashes of the word/bigram features and of the char n-grams.
void append_tfidf_hashes(std::string_view text, const FeatureConfig& config,
                         std::vector<uint32_t>& words, std::vector<uint32_t>& chars);

// Feature ids of `text` under config.scheme (hash % buckets; tfidf: see above).
std::vector<int64_t> feature_ids(std::string_view text, const FeatureConfig& config);

// preprocess.json for the text model, and back.
nlohmann::json preprocess_json(const FeatureConfig& config);
Result<FeatureConfig> feature_config_from_json(const nlohmann::json& preprocess);

}  // namespace trainbox::ml::text
