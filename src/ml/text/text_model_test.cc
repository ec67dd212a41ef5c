#include "ml/text/text_model.h"

#include <gtest/gtest.h>

#include <random>

namespace trainbox::ml::text {
namespace {

std::vector<std::string> tricky_texts() {
  std::vector<std::string> texts = {
      "",
      "   ",
      "Hello, World!",
      "don't STOP-me now... (please)",
      "ÉCOLE été Straße ΑΒΓ привет 日本語のテキスト 😀👍",
      "tabs\tand\nnewlines\r\nmixed",
      "=SUM(A1:A3) +1 -2 @user #tag $5 100%",
      "a",
      "ab cd",
      "x1y2z3 42 3.14 e-mail_address under_score",
      "\x01\x02 control\x7F chars",
      "ÀÉÎÕÜ àéîõü",  // non-ASCII capitals are left as they are
  };
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> byte(1, 255);
  std::uniform_int_distribution<int> length(0, 40);
  for (int i = 0; i < 200; ++i) {  // random bytes, not necessarily valid UTF-8
    std::string text;
    for (int n = length(rng); n > 0; --n) text.push_back(static_cast<char>(byte(rng)));
    texts.push_back(text);
  }
  return texts;
}

TEST(TextFeatures, TokenizeLowercasesAsciiAndSplitsOnPunctuation) {
  EXPECT_EQ(tokenize("Don't STOP-me, Été!"),
            (std::vector<std::string>{"don", "t", "stop", "me", "\xC3\x89t\xC3\xA9"}));
  EXPECT_TRUE(tokenize(" ,.;\t\n").empty());
}

TEST(TextFeatures, FnvMatchesKnownValues) {
  // FNV-1a 32 of the bytes "\x01" + "a", computed by hand from the definition.
  uint32_t h = 2166136261u;
  for (unsigned char c : std::string("\x01"
                                     "a"))
    h = (h ^ c) * 16777619u;
  EXPECT_EQ(fnv1a32(1, "a"), h);
  EXPECT_NE(fnv1a32(1, "ab"), fnv1a32(3, "ab"));
}

TEST(TextFeatures, CountsWordsBigramsAndCharNgrams) {
  FeatureConfig config;
  // "ab cd": words 2, bigram 1, "<ab>" has 2+1+0 n-grams of 3..5 (4 bytes), same for "<cd>".
  EXPECT_EQ(feature_ids("ab cd", config).size(), 2u + 1u + 3u + 3u);
  config.word_ngrams = 1;
  config.char_min = 0;
  EXPECT_EQ(feature_ids("ab cd", config).size(), 2u);
}

TEST(TextModel, TorchScriptFeaturizeEqualsCpp) {
  FeatureConfig config;
  config.buckets = 1000003;  // prime: ids keep more of the hash, so mismatches show
  auto model = make_text_model(config, {"a", "b"}, 4);
  for (const auto& text : tricky_texts()) {
    EXPECT_EQ(featurize_in_torchscript(model, text), feature_ids(text, config)) << text;
  }
}

TEST(TextModel, PredictTextsEqualsCppPathAndSurvivesSaveLoad) {
  torch::manual_seed(1);
  FeatureConfig config;
  config.buckets = 4096;
  auto model = make_text_model(config, {"x", "y", "z"}, 8);
  for (auto p : model.parameters()) {
    torch::NoGradGuard guard;
    p.uniform_(-1, 1);
  }
  auto texts = tricky_texts();
  torch::Tensor cpp = predict_probabilities(model, config, texts);
  ASSERT_EQ(cpp.sizes(), (std::vector<int64_t>{static_cast<int64_t>(texts.size()), 3}));
  EXPECT_TRUE(torch::allclose(cpp.sum(1), torch::ones({cpp.size(0)})));
  std::stringstream saved;
  model.save(saved);
  auto loaded = torch::jit::load(saved);
  torch::Tensor script = predict_texts_in_torchscript(loaded, texts);
  EXPECT_LT((cpp - script).abs().max().item<float>(), 1e-6);
  auto classes = loaded.attr("classes").toList();
  ASSERT_EQ(classes.size(), 3u);
  EXPECT_EQ(classes.get(2).toStringRef(), "z");
  // No features at all: the bias decides, and both paths agree.
  torch::Tensor empty = predict_texts_in_torchscript(loaded, {"", "..."});
  EXPECT_LT((empty - predict_probabilities(model, config, {"", "..."})).abs().max().item<float>(),
            1e-6);
}

}  // namespace
}  // namespace trainbox::ml::text
