#include "ml/text/text_dataset.h"

#include <gtest/gtest.h>

namespace trainbox::ml::text {
namespace {

Result<TextDataset> dataset_of(const std::string& csv, TrainOptions options = {}) {
  auto table = parse_csv(csv);
  if (!table) return fail(table.error());
  return build_text_dataset(*table, options);
}

std::string slug_of(const std::string& csv, TrainOptions options = {}) {
  auto dataset = dataset_of(csv, options);
  return dataset ? "ok" : dataset.error().slug;
}

TEST(TextDataset, NamedColumnsInAnyOrder) {
  auto dataset = dataset_of("id,label,text\n1,pos,good\n2,neg,bad\n3,pos,fine\n4,neg,awful\n");
  ASSERT_TRUE(dataset) << dataset.error().message;
  EXPECT_EQ(dataset->texts, (std::vector<std::string>{"good", "bad", "fine", "awful"}));
  EXPECT_EQ(dataset->summary.classes, (std::vector<std::string>{"neg", "pos"}));
  EXPECT_EQ(dataset->labels, (std::vector<int>{1, 0, 1, 0}));
}

TEST(TextDataset, OptionColumnsAndMissingColumn) {
  TrainOptions options;
  options.text_column = "review";
  options.label_column = "stars";
  auto dataset = dataset_of("stars;review\n5;great\n1;bad\n5;nice\n1;poor\n", options);
  ASSERT_TRUE(dataset) << dataset.error().message;
  EXPECT_EQ(dataset->texts[0], "great");
  options.text_column = "body";
  auto missing = dataset_of("stars;review\n5;great\n1;bad\n", options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().slug, "csv_missing_column");
  EXPECT_NE(missing.error().message.find("body"), std::string::npos);
  EXPECT_EQ(slug_of("just one column\na\nb\n"), "csv_missing_column");
}

TEST(TextDataset, HeaderlessFileUsesFirstTwoColumns) {
  auto dataset = dataset_of("good movie,pos\nbad movie,neg\nfine film,pos\nawful,neg\n");
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->summary.num_items, 4);
  EXPECT_EQ(dataset->texts[0], "good movie");
}

TEST(TextDataset, GuessedHeaderIsSkippedAndReported) {
  auto dataset = dataset_of("sentence,category\ngood,pos\nbad,neg\nfine,pos\nawful,neg\n");
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->summary.num_items, 4);
  ASSERT_FALSE(dataset->summary.warnings.empty());
  EXPECT_NE(dataset->summary.warnings.back().find("header"), std::string::npos);
}

TEST(TextDataset, BlankAndDuplicateRowsAreDroppedWithWarnings) {
  auto dataset = dataset_of("text,label\na,x\n\n,\nb,y\na,x\nc,x\nd,y\n");
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->summary.num_items, 4);
  std::string all;
  for (const auto& w : dataset->summary.warnings) all += w + "\n";
  EXPECT_NE(all.find("2 blank rows"), std::string::npos) << all;
  EXPECT_NE(all.find("1 duplicate rows"), std::string::npos) << all;
  EXPECT_NE(all.find("line 6"), std::string::npos) << all;
}

TEST(TextDataset, ImbalanceIsReported) {
  std::string csv = "text,label\na,rare\nb,rare\n";
  for (int i = 0; i < 20; ++i) csv += "t" + std::to_string(i) + ",common\n";
  auto dataset = dataset_of(csv);
  ASSERT_TRUE(dataset);
  ASSERT_EQ(dataset->summary.warnings.size(), 1u);
  EXPECT_NE(dataset->summary.warnings[0].find("imbalanced"), std::string::npos);
}

TEST(TextDataset, Refusals) {
  EXPECT_EQ(slug_of("text,label\na,x\nb,x\n"), "need_at_least_2_classes");
  EXPECT_EQ(slug_of("text,label\na,x\nb,x\nc,y\n"), "class_too_small");
  EXPECT_EQ(slug_of("text,label\n ,x\n,y\n"), "csv_no_texts");
  EXPECT_EQ(slug_of("text,label\n"), "csv_no_texts");
  EXPECT_EQ(slug_of(""), "csv_no_texts");
  std::string many = "text,label\n";
  for (int i = 0; i < 1001; ++i) {
    many += "a" + std::to_string(i) + ",c" + std::to_string(i) + "\n";
    many += "b" + std::to_string(i) + ",c" + std::to_string(i) + "\n";
  }
  EXPECT_EQ(slug_of(many), "csv_too_many_classes");
}

TEST(TextDataset, MultilineAndFormulaTextsSurvive) {
  auto dataset = dataset_of("text,label\n\"one\ntwo\",x\n=1+1,x\n\"a,b\",y\n-3,y\n");
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->texts[0], "one\ntwo");
  EXPECT_EQ(dataset->texts[1], "=1+1");
}

}  // namespace
}  // namespace trainbox::ml::text
