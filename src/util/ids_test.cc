#include "util/ids.h"

#include <gtest/gtest.h>

#include <set>

namespace trainbox {

TEST(Ids, NewIdsAreValidAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_task_id();
    EXPECT_TRUE(is_valid_task_id(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Ids, RejectsAnythingElse) {
  for (std::string bad : {"", "../../etc/passwd", "%2e%2e%2f", "ABCDEF0123456789abcdef0123456789",
                          "0123456789abcdef0123456789abcde", "0123456789abcdef0123456789abcdef0",
                          "0123456789abcdef0123456789abcde/"}) {
    EXPECT_FALSE(is_valid_task_id(bad)) << bad;
  }
}

}  // namespace trainbox
