#include "util/clock.h"

#include <gtest/gtest.h>

namespace trainbox {

TEST(Clock, FormatsIso8601InUtc) {
  EXPECT_EQ(format_iso8601(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso8601(1'700'000'000'123), "2023-11-14T22:13:20.123Z");
}

TEST(Clock, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.now_ms(), 1000);
  clock.advance_ms(500);
  EXPECT_EQ(clock.now_ms(), 1500);
}

}  // namespace trainbox
