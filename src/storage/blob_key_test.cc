#include "storage/blob_key.h"

#include <gtest/gtest.h>

namespace trainbox::storage {

TEST(BlobKey, AcceptsPlainKeys) {
  EXPECT_TRUE(validate_key("tasks/0123/dataset.zip"));
  EXPECT_TRUE(validate_key("a"));
  EXPECT_TRUE(validate_prefix("tasks/0123/"));
}

TEST(BlobKey, RefusesEverythingThatCouldLeaveTheRoot) {
  for (const std::string& bad : std::vector<std::string>{
           "", "/etc/passwd", "../x", "a/../../x", "a/./b", "a//b", "a/", "a\\b", "..\\..\\x",
           "a b", std::string("a\0b", 3), std::string(600, 'a'), "%2e%2e/x", "~/x"}) {
    auto checked = validate_key(bad);
    ASSERT_FALSE(checked) << bad;
    EXPECT_EQ(checked.error().slug, "invalid_blob_key");
  }
  EXPECT_FALSE(validate_prefix("tasks"));
  EXPECT_FALSE(validate_prefix("/"));
}

}  // namespace trainbox::storage
