// One contract suite for every JobQueue implementation.

#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "queue/job_queue.h"
#include "tests/support/test_servers.h"
#include "util/ids.h"

namespace trainbox::queue {
namespace {
using std::chrono::milliseconds;

struct QueueFactory {
  std::string name;
  std::string server;  // the test server whose URL to use (tests/servers/), or empty
  std::string url;     // the URL when there is no server
};

// Names the parameter in test listings (instead of a dump of its bytes).
void PrintTo(const QueueFactory& factory, std::ostream* out) { *out << factory.name; }

const QueueFactory kQueueFactories[] = {{"Local", "", "local://"}, {"Redis", "redis", ""}};

class JobQueueContract : public ::testing::TestWithParam<QueueFactory> {
 protected:
  void SetUp() override {
    std::string url = GetParam().url;
    if (!GetParam().server.empty()) {
      auto server = trainbox::testing::test_server_url(GetParam().server);
      ASSERT_TRUE(server) << trainbox::testing::missing_server_message(GetParam().server);
      // A stream of its own, so that tests never see each other's ids.
      url = *server + (server->find('?') == std::string::npos ? "?" : "&") +
            "stream=trainbox-test:" + new_task_id();
    }
    auto opened = open_job_queue(url);
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

TEST_P(JobQueueContract, AckedDeliveryLeavesTheQueue) {
  ASSERT_TRUE(queue_->push("a"));
  ASSERT_TRUE(queue_->push("b"));
  ASSERT_EQ(queue_->pop(milliseconds(100)).value(), "a");
  ASSERT_TRUE(queue_->ack("a"));
  EXPECT_EQ(queue_->size().value(), 1u);
  EXPECT_TRUE(queue_->ack("a")) << "a second ack of the same id is harmless";
  EXPECT_EQ(queue_->pop(milliseconds(100)).value(), "b");
}

TEST_P(JobQueueContract, AckOfAnIdNeverDeliveredIsIgnored) {
  ASSERT_TRUE(queue_->push("a"));
  EXPECT_TRUE(queue_->ack("a")) << "pushed but not delivered";
  EXPECT_TRUE(queue_->ack("unknown"));
  EXPECT_EQ(queue_->size().value(), 1u);
  EXPECT_EQ(queue_->pop(milliseconds(100)).value(), "a");
}

TEST_P(JobQueueContract, GenerationStaysWhileNothingIsLost) {
  uint64_t before = queue_->generation();
  ASSERT_TRUE(queue_->push("a"));
  ASSERT_EQ(queue_->pop(milliseconds(100)).value(), "a");
  ASSERT_TRUE(queue_->ack("a"));
  EXPECT_EQ(queue_->generation(), before);
}

TEST_P(JobQueueContract, AckAfterCloseIsAllowed) {
  ASSERT_TRUE(queue_->push("a"));
  ASSERT_EQ(queue_->pop(milliseconds(100)).value(), "a");
  queue_->close();
  EXPECT_TRUE(queue_->ack("a"));
  EXPECT_EQ(queue_->size().value(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, JobQueueContract, ::testing::ValuesIn(kQueueFactories),
                         [](const auto& test_info) { return test_info.param.name; });

}  // namespace
}  // namespace trainbox::queue
