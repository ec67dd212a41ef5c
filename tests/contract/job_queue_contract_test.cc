// One contract suite for every JobQueue implementation.

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "queue/job_queue.h"

namespace trainbox::queue {
namespace {
using std::chrono::milliseconds;

struct QueueFactory {
  std::string name;
  std::string url;
};

const QueueFactory kQueueFactories[] = {{"Local", "local://"}};

class JobQueueContract : public ::testing::TestWithParam<QueueFactory> {
 protected:
  void SetUp() override {
    auto opened = open_job_queue(GetParam().url);
    ASSERT_TRUE(opened) << opened.error().message;
    queue_ = std::move(*opened);
  }
  std::unique_ptr<JobQueue> queue_;
};

TEST_P(JobQueueContract, FifoOrder) {
  ASSERT_TRUE(queue_->push("a"));
  ASSERT_TRUE(queue_->push("b"));
  EXPECT_EQ(queue_->size().value(), 2u);
  EXPECT_EQ(queue_->pop(milliseconds(100)).value(), "a");
  EXPECT_EQ(queue_->pop(milliseconds(100)).value(), "b");
}

TEST_P(JobQueueContract, PopTimesOutWhenEmpty) {
  auto popped = queue_->pop(milliseconds(20));
  ASSERT_TRUE(popped);
  EXPECT_FALSE(popped->has_value());
}

TEST_P(JobQueueContract, WaitingPopWakesOnPush) {
  std::thread pusher([&] {
    std::this_thread::sleep_for(milliseconds(50));
    ASSERT_TRUE(queue_->push("late"));
  });
  auto popped = queue_->pop(milliseconds(5000));
  pusher.join();
  ASSERT_TRUE(popped);
  EXPECT_EQ(popped->value_or(""), "late");
}

TEST_P(JobQueueContract, CloseWakesWaitersAndRefusesPushes) {
  std::thread closer([&] {
    std::this_thread::sleep_for(milliseconds(50));
    queue_->close();
  });
  auto popped = queue_->pop(milliseconds(10000));
  closer.join();
  ASSERT_TRUE(popped);
  EXPECT_FALSE(popped->has_value());
  EXPECT_FALSE(queue_->push("x"));
}

TEST_P(JobQueueContract, EveryIdDeliveredOnceAcrossConsumers) {
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(queue_->push(std::to_string(i)));
  std::mutex mutex;
  std::multiset<std::string> seen;
  std::vector<std::thread> consumers;
  for (int c = 0; c < 4; ++c) {
    consumers.emplace_back([&] {
      while (true) {
        auto popped = queue_->pop(milliseconds(50));
        if (!popped || !popped->has_value()) return;
        std::lock_guard lock(mutex);
        seen.insert(**popped);
      }
    });
  }
  for (auto& consumer : consumers) consumer.join();
  EXPECT_EQ(seen.size(), 200u);
  for (int i = 0; i < 200; ++i) EXPECT_EQ(seen.count(std::to_string(i)), 1u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, JobQueueContract, ::testing::ValuesIn(kQueueFactories),
                         [](const auto& test_info) { return test_info.param.name; });

}  // namespace
}  // namespace trainbox::queue
