// TaskEvents: the generation counter followers wait on. Timeouts are short; waits that should
// end early are given long timeouts and checked to end well before them.

#include "service/task_events.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace trainbox::service {
namespace {
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

TEST(TaskEventsTest, NotifyAdvancesTheGeneration) {
  TaskEvents events;
  EXPECT_EQ(events.generation(), 0u);
  events.notify();
  events.notify();
  EXPECT_EQ(events.generation(), 2u);
  EXPECT_FALSE(events.is_shut_down());
}

TEST(TaskEventsTest, WaitReturnsAtOnceWhenTheGenerationAlreadyMoved) {
  TaskEvents events;
  events.notify();
  auto start = Steady::now();
  EXPECT_EQ(events.wait_for_change(0, milliseconds(5000)), 1u);
  EXPECT_LT(Steady::now() - start, milliseconds(500));
}

TEST(TaskEventsTest, FollowerWithoutAChangeTimesOutWithTheSameGeneration) {
  TaskEvents events;
  events.notify();
  auto start = Steady::now();
  EXPECT_EQ(events.wait_for_change(1, milliseconds(80)), 1u);
  EXPECT_GE(Steady::now() - start, milliseconds(80));
}

TEST(TaskEventsTest, NotifyWakesAWaitingFollower) {
  TaskEvents events;
  auto woke = std::async(std::launch::async, [&] {
    auto start = Steady::now();
    uint64_t seen = events.wait_for_change(0, milliseconds(5000));
    return std::make_pair(seen, Steady::now() - start);
  });
  std::this_thread::sleep_for(milliseconds(50));
  events.notify();
  auto [seen, took] = woke.get();
  EXPECT_EQ(seen, 1u);
  EXPECT_LT(took, milliseconds(2000));
}

TEST(TaskEventsTest, OneNotifyWakesEveryFollower) {
  TaskEvents events;
  std::atomic<int> woken{0};
  std::atomic<int> waiting{0};
  std::vector<std::thread> followers;
  for (int i = 0; i < 16; ++i) {
    followers.emplace_back([&] {
      ++waiting;
      if (events.wait_for_change(0, milliseconds(5000)) == 1u) ++woken;
    });
  }
  while (waiting < 16) std::this_thread::yield();
  std::this_thread::sleep_for(milliseconds(30));
  auto start = Steady::now();
  events.notify();
  for (auto& follower : followers) follower.join();
  EXPECT_EQ(woken, 16);
  EXPECT_LT(Steady::now() - start, milliseconds(2000));
}

TEST(TaskEventsTest, ShutdownEndsWaitsNowAndLater) {
  TaskEvents events;
  auto waiting = std::async(std::launch::async, [&] {
    auto start = Steady::now();
    uint64_t seen = events.wait_for_change(0, milliseconds(5000));
    return std::make_pair(seen, Steady::now() - start);
  });
  std::this_thread::sleep_for(milliseconds(50));
  events.shutdown();
  auto [seen, took] = waiting.get();
  EXPECT_EQ(seen, 0u) << "shut-down is not a change";
  EXPECT_LT(took, milliseconds(2000));
  EXPECT_TRUE(events.is_shut_down());

  auto start = Steady::now();
  EXPECT_EQ(events.wait_for_change(0, milliseconds(5000)), 0u);
  EXPECT_LT(Steady::now() - start, milliseconds(500)) << "a wait after shut-down returns at once";
}

TEST(TaskEventsTest, FollowerLoopSeesEveryBurstEventually) {
  // A follower re-waits with the generation it last saw; a burst of notifies may be seen as one
  // change, but the last generation is always reached.
  TaskEvents events;
  std::atomic<uint64_t> last{0};
  std::thread follower([&] {
    uint64_t seen = 0;
    while (!events.is_shut_down() && seen < 100) {
      seen = events.wait_for_change(seen, milliseconds(1000));
      last = seen;
    }
  });
  for (int i = 0; i < 100; ++i) events.notify();
  follower.join();
  EXPECT_EQ(last, 100u);
}

}  // namespace
}  // namespace trainbox::service
