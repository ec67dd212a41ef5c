#include "ml/text/text_features.h"

#include <fmt/format.h>

#include <string>

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

namespace {

// Token i's word hash, then its bigram with token i-1 (when word_ngrams >= 2).
void append_word_hashes(const std::vector<std::string>& tokens, size_t i,
                        const FeatureConfig& config, std::vector<uint32_t>& out) {
  out.push_back(fnv1a32(kWordTag, tokens[i]));
  if (i > 0 && config.word_ngrams >= 2) {
    uint32_t bigram = fnv1a32(kBigramTag, tokens[i - 1]);
    out.push_back(fnv_update(fnv_update(bigram, " "), tokens[i]));
  }
}

}  // namespace

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
    append_word_hashes(tokens, i, config, out);
    if (config.char_min <= 0) continue;
    bracketed = "<" + tokens[i] + ">";
    for (size_t n = static_cast<size_t>(config.char_min); n <= static_cast<size_t>(config.char_max);
         ++n) {
      for (size_t start = 0; start + n <= bracketed.size(); ++start) {
        out.push_back(fnv1a32(kCharTag, std::string_view(bracketed).substr(start, n)));
      }
    }
  }
}

void append_tfidf_hashes(std::string_view text, const FeatureConfig& config,
                         std::vector<uint32_t>& words, std::vector<uint32_t>& chars) {
  std::vector<std::string> tokens = tokenize(text);
  for (size_t i = 0; i < tokens.size(); ++i) append_word_hashes(tokens, i, config, words);
  if (config.char_min <= 0) return;
  // scikit-learn's "char_wb": each whitespace-separated word, lowercased and padded with one
  // space on each side; a word no longer than n gives itself once and stops the larger n.
  std::string padded;
  size_t i = 0;
  auto is_space = [](unsigned char c) { return c == ' ' || (c >= 9 && c <= 13); };
  while (i < text.size()) {
    while (i < text.size() && is_space(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    padded.assign(1, ' ');
    while (i < text.size() && !is_space(static_cast<unsigned char>(text[i]))) {
      auto byte = static_cast<unsigned char>(text[i++]);
      padded.push_back(byte >= 'A' && byte <= 'Z' ? static_cast<char>(byte + 32)
                                                  : static_cast<char>(byte));
    }
    padded.push_back(' ');
    std::string_view view(padded);
    for (size_t n = static_cast<size_t>(config.char_min); n <= static_cast<size_t>(config.char_max);
         ++n) {
      if (n >= view.size()) {
        chars.push_back(fnv1a32(kCharTag, view));
        break;
      }
      for (size_t start = 0; start + n <= view.size(); ++start) {
        chars.push_back(fnv1a32(kCharTag, view.substr(start, n)));
      }
    }
  }
}

std::vector<int64_t> feature_ids(std::string_view text, const FeatureConfig& config) {
  if (config.scheme == kEnsembleScheme) {
    std::vector<int64_t> ids;
    int64_t shift = 0;
    for (const auto& member : config.members) {
      for (int64_t id : feature_ids(text, member)) ids.push_back(shift + id);
      shift += member.buckets;
    }
    return ids;
  }
  if (config.scheme == kTfidfScheme) {
    std::vector<uint32_t> words, chars;
    append_tfidf_hashes(text, config, words, chars);
    int64_t char_buckets = config.buckets - config.word_buckets;
    std::vector<int64_t> ids;
    ids.reserve(words.size() + chars.size());
    for (uint32_t h : words) ids.push_back(h % config.word_buckets);
    for (uint32_t h : chars) ids.push_back(config.word_buckets + h % char_buckets);
    return ids;
  }
  std::vector<uint32_t> hashes;
  append_feature_hashes(text, config, hashes);
  std::vector<int64_t> ids(hashes.size());
  for (size_t i = 0; i < hashes.size(); ++i) ids[i] = hashes[i] % config.buckets;
  return ids;
}

nlohmann::json preprocess_json(const FeatureConfig& config) {
  if (config.scheme == kEnsembleScheme) {
    auto members = nlohmann::json::array();
    for (const auto& member : config.members) members.push_back(preprocess_json(member));
    return {
        {"kind", "text"},
        {"scheme", kEnsembleScheme},
        {"model", "average of the members' probabilities"},
        {"members", members},
        {"buckets", config.buckets},
        {"id", "member k's ids (its own rule) + the buckets of members 0..k-1, members in order"},
        {"output", "softmax probabilities over classes.json (mean of the members')"}};
  }
  // Both hashed schemes tokenise alike (JSON objects keep keys sorted, so merging changes nothing).
  nlohmann::json out = {
      {"kind", "text"},
      {"input", "UTF-8 bytes of the text"},
      {"lowercase", "ASCII only: bytes A-Z become a-z, all other bytes unchanged"},
      {"tokens",
       "maximal runs of ASCII letters/digits and bytes >= 0x80; ASCII spaces, controls and "
       "punctuation separate tokens"},
      {"word_ngrams", {1, config.word_ngrams}},
      {"char_ngrams", {config.char_min, config.char_max}},
      {"buckets", config.buckets},
      {"output", "softmax probabilities over classes.json"},
  };
  if (config.scheme == kTfidfScheme) {
    out.update(nlohmann::json{
        {"scheme", kTfidfScheme},
        {"model", "linear model (multinomial logistic regression) on TF-IDF features"},
        {"word_buckets", config.word_buckets},
        {"char_ngrams_of",
         "each word (a maximal run of bytes other than ASCII whitespace), lowercased and padded "
         "with one space on each side: byte n-grams for n = min..max; a padded word of n bytes "
         "or fewer gives itself once and stops the larger n (scikit-learn's char_wb)"},
        {"hash", "fnv1a32 over tag byte (1 word, 2 bigram joined by ' ', 3 char n-gram) + bytes"},
        {"id",
         "word/bigram: hash % word_buckets; char n-gram: word_buckets + hash % "
         "(buckets - word_buckets)"},
        {"weighting",
         "per text and id: (1 + ln count) * idf[id]; L2-normalised separately over word ids "
         "and over char ids; idf = ln((1 + n) / (1 + df)) + 1 on the training texts, 0 for ids "
         "never seen in training"},
    });
    return out;
  }
  out.update(nlohmann::json{
      {"char_ngrams_of", "'<' + token + '>' (byte n-grams)"},
      {"feature_order",
       "per token: word, then bigram with the previous token, then char n-grams by n then start"},
      {"hash", "fnv1a32 over tag byte (1 word, 2 bigram joined by ' ', 3 char n-gram) + bytes"},
      {"id", "hash % buckets"},
      {"pooling", "mean of embeddings (EmbeddingBag mode mean)"},
  });
  return out;
}

Result<FeatureConfig> feature_config_from_json(const nlohmann::json& preprocess) {
  try {
    if (preprocess.at("kind") != "text") {
      return fail(ErrorCode::kInvalidArgument, "bundle_not_text", "the bundle is not a text model");
    }
    FeatureConfig config;
    config.scheme = preprocess.value("scheme", std::string(kHashedNgrams));
    if (config.scheme == kEnsembleScheme) {
      config.buckets = 0;
      for (const auto& member_json : preprocess.at("members")) {
        auto member = feature_config_from_json(member_json);
        if (!member) return fail(member.error());
        if (member->scheme == kEnsembleScheme) throw std::invalid_argument("nested ensemble");
        config.buckets += member->buckets;
        config.members.push_back(std::move(*member));
      }
      if (config.members.empty()) throw std::invalid_argument("an ensemble needs members");
      return config;
    }
    if (config.scheme != kHashedNgrams && config.scheme != kTfidfScheme) {
      throw std::invalid_argument("unknown scheme " + config.scheme);
    }
    config.buckets = preprocess.at("buckets").get<int64_t>();
    if (config.scheme == kTfidfScheme) {
      config.word_buckets = preprocess.at("word_buckets").get<int64_t>();
      if (config.word_buckets <= 0 || config.word_buckets >= config.buckets) {
        throw std::invalid_argument("word_buckets must be in (0, buckets)");
      }
    }
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
