#include "jobs/child_protocol.h"

#include <gtest/gtest.h>

namespace trainbox::jobs {

TEST(ChildProtocol, ParsesEachMessageType) {
  auto progress = parse_child_message(
      R"({"type":"progress","progress":{"phase":"training","epoch":2,"epochs":5,"fraction":0.4}})");
  ASSERT_TRUE(progress);
  EXPECT_EQ(progress->type, ChildMessage::Type::kProgress);
  EXPECT_EQ(progress->progress.phase, "training");
  EXPECT_EQ(progress->progress.epoch, 2);

  auto dataset =
      parse_child_message(R"({"type":"dataset","dataset":{"num_items":4},"classes":["a","b"]})");
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->classes, (std::vector<std::string>{"a", "b"}));

  auto error =
      parse_child_message(R"({"type":"error","slug":"need_at_least_2_classes","message":"m"})");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->error.slug, "need_at_least_2_classes");
  EXPECT_EQ(error->error.message, "m");

  auto result = parse_child_message(R"({"type":"result","metrics":{"val_accuracy":1.0}})");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->metrics["val_accuracy"], 1.0);
}

TEST(ChildProtocol, IgnoresAnythingElse) {
  for (const char* line :
       {"", "hello", "[1,2]", R"({"type":"unknown"})", R"({"no":"type"})", "{"}) {
    EXPECT_FALSE(parse_child_message(line)) << line;
  }
}

}  // namespace trainbox::jobs
