#include "ml/search/leaderboard.h"

#include <gtest/gtest.h>

namespace trainbox::ml::search {
namespace {

TEST(LeaderboardTest, BestIsHighestAccuracyThenEarliestAndSkippedNeverWin) {
  Leaderboard board;
  board.add(scored("a", 0.90, 0.30, 2, 100));
  board.skip("b", "over the budget");
  board.add(scored("c", 0.95, 0.40, 9, 10));
  board.add(scored("d", 0.95, 0.20, 5, 10));
  ASSERT_TRUE(board.best());
  EXPECT_EQ(*board.best(), 2U);  // ties with d, and came first
  board.decide({2}, "best on validation");
  auto json = board.to_json();
  ASSERT_EQ(json.size(), 4U);
  EXPECT_TRUE(json[2]["kept"].get<bool>());
  EXPECT_EQ(json[2]["why"], "best on validation");
  EXPECT_FALSE(json[3]["kept"].get<bool>());
  EXPECT_EQ(json[3]["why"],
            "as accurate as the kept model on validation, which is simpler or cheaper");
  EXPECT_FALSE(json[0]["kept"].get<bool>());
  EXPECT_EQ(json[0]["why"], "5.0 points below the kept model on validation");
  EXPECT_TRUE(json[1]["val_accuracy"].is_null());
  EXPECT_EQ(json[1]["why"], "over the budget");
  EXPECT_FALSE(json[1]["kept"].get<bool>());
}

TEST(LeaderboardTest, EmptyOrAllSkippedHasNoBest) {
  Leaderboard board;
  EXPECT_FALSE(board.best());
  board.skip("x", "not installed");
  EXPECT_FALSE(board.best());
}

}  // namespace
}  // namespace trainbox::ml::search
