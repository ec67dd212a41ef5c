#include "ml/text/text_features.h"

#include <string>

#include <fmt/format.h>

namespace trainbox::ml::text {
namespace {

constexpr uint32_t kFnvOffset = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;
constexpr uint8_t kWordTag = 1;
constexpr uint8_t kBigramTag = 2;
constexpr uint8_t kCharTag = 3;

bool is_word_byte(unsigned char c) {
  return c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

uint32_t fnv_update(uint32_t hash, std::string_view bytes) {
  for (char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  return hash;
}

}  // namespace

uint32_t fnv1a32(uint8_t tag, std::string_view bytes) {
  return fnv_update((kFnvOffset ^ tag) * kFnvPrime, bytes);
}

std::vector<std::string> tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    if (is_word_byte(byte)) {
      current.push_back(byte >= 'A' && byte <= 'Z' ? static_cast<char>(byte + 32) : c);
    } else if (!current.empty()) {
      tokens.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

void append_feature_hashes(std::string_view text, const FeatureConfig& config,
                           std::vector<uint32_t>& out) {
  std::vector<std::string> tokens = tokenize(text);
  std::string bracketed;
  for (size_t i = 0; i < tokens.size(); ++i) {
    out.push_back(fnv1a32(kWordTag, tokens[i]));
    if (i > 0 && config.word_ngrams >= 2) {
      uint32_t bigram = fnv1a32(kBigramTag, tokens[i - 1]);
      out.push_back(fnv_update(fnv_update(bigram, " "), tokens[i]));
    }
    if (config.char_min <= 0) continue;
    bracketed = "<" + tokens[i] + ">";
    for (size_t n = static_cast<size_t>(config.char_min);
         n <= static_cast<size_t>(config.char_max); ++n) {
      for (size_t start = 0; start + n <= bracketed.size(); ++start) {
        out.push_back(fnv1a32(kCharTag, std::string_view(bracketed).substr(start, n)));
      }
    }
  }
}

std::vector<int64_t> feature_ids(std::string_view text, const FeatureConfig& config) {
  std::vector<uint32_t> hashes;
  append_feature_hashes(text, config, hashes);
  std::vector<int64_t> ids(hashes.size());
  for (size_t i = 0; i < hashes.size(); ++i) ids[i] = hashes[i] % config.buckets;
  return ids;
}

nlohmann::json preprocess_json(const FeatureConfig& config) {
  return {
      {"kind", "text"},
      {"input", "UTF-8 bytes of the text"},
      {"lowercase", "ASCII only: bytes A-Z become a-z, all other bytes unchanged"},
      {"tokens",
       "maximal runs of ASCII letters/digits and bytes >= 0x80; ASCII spaces, controls and "
       "punctuation separate tokens"},
      {"word_ngrams", {1, config.word_ngrams}},
      {"char_ngrams", {config.char_min, config.char_max}},
      {"char_ngrams_of", "'<' + token + '>' (byte n-grams)"},
      {"feature_order",
       "per token: word, then bigram with the previous token, then char n-grams by n then start"},
      {"hash", "fnv1a32 over tag byte (1 word, 2 bigram joined by ' ', 3 char n-gram) + bytes"},
      {"buckets", config.buckets},
      {"id", "hash % buckets"},
      {"pooling", "mean of embeddings (EmbeddingBag mode mean)"},
      {"output", "softmax probabilities over classes.json"},
  };
}

Result<FeatureConfig> feature_config_from_json(const nlohmann::json& preprocess) {
  try {
    if (preprocess.at("kind") != "text") {
      return fail(ErrorCode::kInvalidArgument, "bundle_not_text", "the bundle is not a text model");
    }
    FeatureConfig config;
    config.buckets = preprocess.at("buckets").get<int64_t>();
    config.word_ngrams = preprocess.at("word_ngrams").at(1).get<int>();
    config.char_min = preprocess.at("char_ngrams").at(0).get<int>();
    config.char_max = preprocess.at("char_ngrams").at(1).get<int>();
    if (config.buckets <= 0) throw std::invalid_argument("buckets must be positive");
    return config;
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, "bundle_bad_preprocess",
                fmt::format("preprocess.json is not a valid text description: {}", e.what()));
  }
}

}  // namespace trainbox::ml::text
