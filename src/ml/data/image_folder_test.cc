#include "ml/data/image_folder.h"

#include <gtest/gtest.h>

namespace trainbox::ml::data {
namespace {

TEST(ImageFolderTest, StripsEnclosingFolderAndJunk) {
  auto plan = plan_image_folder({"pets/", "pets/cat/a.jpg", "pets/cat/b.PNG", "pets/dog/c.webp",
                                 "__MACOSX/pets/cat/._a.jpg", "pets/.DS_Store",
                                 "pets/dog/Thumbs.db", "pets/dog/.hidden.png", "pets/notes.txt"});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->classes, (std::vector<std::string>{"cat", "dog"}));
  ASSERT_EQ(plan->files.size(), 3U);
  EXPECT_EQ(plan->files[2].path, "pets/dog/c.webp");
  EXPECT_EQ(plan->files[2].label, 1);
  EXPECT_FALSE(plan->explicit_split);
}

TEST(ImageFolderTest, FindsExplicitSplit) {
  auto plan = plan_image_folder({"data/train/cat/a.jpg", "data/train/dog/b.jpg",
                                 "data/test/cat/c.jpg", "data/test/dog/d.jpg"});
  ASSERT_TRUE(plan);
  EXPECT_TRUE(plan->explicit_split);
  EXPECT_EQ(plan->classes, (std::vector<std::string>{"cat", "dog"}));
  int val = 0;
  for (const auto& f : plan->files) val += f.val;
  EXPECT_EQ(val, 2);
}

TEST(ImageFolderTest, RefusesFewerThanTwoClasses) {
  auto plan = plan_image_folder({"cat/a.jpg", "cat/b.jpg", "loose.jpg"});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().slug, "dataset_too_few_classes");
}

TEST(ImageFolderTest, RefusesClassNamesThatCannotBeLabels) {
  auto plan = plan_image_folder({"cat/a.jpg", "cat\xE2\x80\xAEgnp.exe/b.jpg"});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().slug, "invalid_class_name");
  EXPECT_NE(plan.error().message.find("cat?gnp.exe"), std::string::npos) << plan.error().message;
  EXPECT_FALSE(plan_image_folder({"cat/a.jpg", std::string(256, 'x') + "/b.jpg"}));
  EXPECT_TRUE(plan_image_folder({"cat/a.jpg", "CON/b.jpg", "<b>x</b>/c.jpg"}));
}

TEST(ImageFolderTest, StratifiedSplitIsSeededAndKeepsEveryClass) {
  std::vector<int> labels;
  for (int i = 0; i < 50; ++i) labels.push_back(i < 40 ? 0 : 1);
  auto a = stratified_split(labels, 0.2, 7), b = stratified_split(labels, 0.2, 7);
  EXPECT_EQ(a, b);
  int val0 = 0, val1 = 0;
  for (size_t i = 0; i < labels.size(); ++i) (labels[i] ? val1 : val0) += a[i];
  EXPECT_EQ(val0, 8);
  EXPECT_EQ(val1, 2);
  EXPECT_NE(stratified_split(labels, 0.2, 8), a);
}

}  // namespace
}  // namespace trainbox::ml::data
