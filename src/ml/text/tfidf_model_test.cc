// The TF-IDF linear model: C++ and TorchScript ids agree on tricky texts, the TorchScript
// weighting is scikit-learn's (sublinear tf * idf, L2 per part), and a fit learns.
#include "ml/text/tfidf_model.h"

#include <gtest/gtest.h>

#include <random>

namespace trainbox::ml::text {
namespace {

FeatureConfig tfidf_config() {
  FeatureConfig c;
  c.scheme = kTfidfScheme;
  c.word_buckets = 1 << 10;
  c.buckets = (1 << 10) + (1 << 12);
  c.char_min = 2;
  c.char_max = 5;
  return c;
}

std::vector<std::string> texts() {
  std::vector<std::string> out = {"",
                                  "   ",
                                  "Hello,   World!",
                                  "tabs\tand\nnew\r\nlines",
                                  "ÉCOLE été Straße 日本語 😀",
                                  "a",
                                  "=SUM(A1) +1",
                                  "x  y"};
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> byte(1, 255), length(0, 30);
  for (int i = 0; i < 100; ++i) {
    std::string t;
    for (int n = length(rng); n > 0; --n) t.push_back(static_cast<char>(byte(rng)));
    out.push_back(t);
  }
  return out;
}

TEST(TfidfModelTest, TorchScriptFeaturizeEqualsCpp) {
  auto config = tfidf_config();
  auto model = make_tfidf_model(config, {"a", "b"}, torch::ones({config.buckets}));
  for (const auto& text : texts()) {
    auto cpp = feature_ids(text, config);
    auto script = featurize_in_torchscript(model, text);
    EXPECT_EQ(cpp, script) << "text: " << text;
    for (int64_t id : cpp) {
      EXPECT_GE(id, 0);
      EXPECT_LT(id, config.buckets);
    }
  }
  // Whitespace runs separate words like one space: the same features.
  EXPECT_EQ(feature_ids("x  y", config), feature_ids("x y", config));
  // char_wb: " ab " gives " a", "ab", "b ", " ab", "ab ", " ab " (n = 2..4, then it stops).
  auto ids = feature_ids("AB", config);
  EXPECT_EQ(ids.size(), 1U + 6U);  // one word + six char n-grams
}

TEST(TfidfModelTest, WeightsAreSublinearTfIdfNormalisedPerPart) {
  auto config = tfidf_config();
  // Two documents: ids 1,1,2 (words) and 1, 2000 (one word, one char id).
  std::vector<std::vector<int64_t>> ids = {{1, 1, 2}, {1, 2000}};
  auto idf = tfidf_idf(ids, {0, 1}, config.buckets);
  EXPECT_NEAR(idf[1].item<double>(), std::log(3.0 / 3.0) + 1, 1e-6);
  EXPECT_NEAR(idf[2].item<double>(), std::log(3.0 / 2.0) + 1, 1e-6);
  EXPECT_EQ(idf[3].item<double>(), 0.0);  // never seen
  auto model = make_tfidf_model(config, {"a", "b"}, idf);
  auto batch = make_batch(ids);
  auto w = model.run_method("tfidf", batch.ids, batch.offsets).toTensor();
  double t1 = (1 + std::log(2.0)) * idf[1].item<double>(), t2 = idf[2].item<double>();
  double norm = std::sqrt(t1 * t1 + t2 * t2);
  // Each occurrence of id 1 carries half of its weight: summed they give t1 / norm.
  EXPECT_NEAR(w[0].item<double>() + w[1].item<double>(), t1 / norm, 1e-5);
  EXPECT_NEAR(w[2].item<double>(), t2 / norm, 1e-5);
  EXPECT_NEAR(w[3].item<double>(), 1.0, 1e-5);  // alone in its (word) part
  EXPECT_NEAR(w[4].item<double>(), 1.0, 1e-5);  // alone in its (char) part
}

TEST(TfidfModelTest, CharNGramsOfOneRowGetNoWeightAndLeaveTheNormAlone) {
  auto config = tfidf_config();
  // ids from word_buckets on are char n-grams: 2000 is in both rows, 3000 in one only.
  std::vector<std::vector<int64_t>> ids = {{1, 2000, 3000}, {1, 2000}};
  auto idf = tfidf_idf(ids, {0, 1}, config.buckets, config.word_buckets);
  EXPECT_GT(idf[2000].item<double>(), 0.0);
  EXPECT_EQ(idf[3000].item<double>(), 0.0);  // min_df 2 for chars
  auto word_only = tfidf_idf({{5}}, {0}, config.buckets, config.word_buckets);
  EXPECT_GT(word_only[5].item<double>(), 0.0);  // words keep min_df 1
  auto model = make_tfidf_model(config, {"a", "b"}, idf);
  auto batch = make_batch(ids);
  auto w = model.run_method("tfidf", batch.ids, batch.offsets).toTensor();
  EXPECT_EQ(w[2].item<double>(), 0.0);
  EXPECT_NEAR(w[1].item<double>(), 1.0, 1e-5);  // the char part's norm counts only id 2000
}

TEST(TfidfModelTest, FitLearnsAndPredictTextsAgreesWithForward) {
  auto config = tfidf_config();
  std::vector<std::string> corpus;
  std::vector<int64_t> labels;
  for (int i = 0; i < 40; ++i) {
    corpus.push_back("the cat sat on the mat number " + std::to_string(i));
    labels.push_back(0);
    corpus.push_back("stocks fell sharply on monday " + std::to_string(i));
    labels.push_back(1);
  }
  std::vector<std::vector<int64_t>> ids;
  for (const auto& t : corpus) ids.push_back(feature_ids(t, config));
  std::vector<size_t> rows(ids.size());
  for (size_t i = 0; i < rows.size(); ++i) rows[i] = i;
  auto model = make_tfidf_model(config, {"pets", "markets"}, tfidf_idf(ids, rows, config.buckets));
  LinearFitOptions options;
  ASSERT_TRUE(
      fit_tfidf_model(model, TfidfRows(model, make_batch(ids), torch::tensor(labels)), options));
  auto probs = predict_texts_in_torchscript(model, {"a cat on a mat", "stocks fell"});
  EXPECT_EQ(probs[0].argmax().item<int64_t>(), 0);
  EXPECT_EQ(probs[1].argmax().item<int64_t>(), 1);
  auto direct = predict_probabilities(model, config, {"a cat on a mat", "stocks fell"});
  EXPECT_LT((probs - direct).abs().max().item<double>(), 1e-5);
}

}  // namespace
}  // namespace trainbox::ml::text
