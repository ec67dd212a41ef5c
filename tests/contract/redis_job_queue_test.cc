// The redis:// JobQueue beyond the contract: leases, several consumers on one stream, a server
// restart, outages and URL checking. Most tests use the Redis that ctest starts
// (tests/servers/redis.sh); the restart test runs a redis-server of its own so it can stop it.

#include "queue/redis_job_queue.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>

#include "queue/job_queue.h"
#include "tests/support/test_servers.h"
#include "util/ids.h"

namespace trainbox::queue {
namespace {
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// The ctest Redis with a stream of its own, plus `extra` query parameters.
std::string shared_url(const std::string& extra = "") {
  auto server = trainbox::testing::test_server_url("redis");
  if (!server) return "";
  return *server + (server->find('?') == std::string::npos ? "?" : "&") +
         "stream=trainbox-test:" + new_task_id() + (extra.empty() ? "" : "&" + extra);
}

std::unique_ptr<JobQueue> open_or_die(const std::string& url) {
  auto opened = open_job_queue(url);
  EXPECT_TRUE(opened) << opened.error().message;
  return opened ? std::move(*opened) : nullptr;
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool port_answers(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool answered = connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return answered;
}

// A redis-server of the test's own (started as tests/servers/redis.sh starts one: loopback, no
// persistence), which it can stop and start again on the same port.
class OwnRedis {
 public:
  explicit OwnRedis(std::string password = "") : password_(std::move(password)) {
    dir_ = std::filesystem::temp_directory_path() / ("trainbox-redis-" + new_task_id());
    std::filesystem::create_directories(dir_);
  }
  ~OwnRedis() {
    stop();
    std::filesystem::remove_all(dir_);
  }
  int port() const { return port_; }

  bool start() {
    std::string command = "redis-server --bind 127.0.0.1 --port " + std::to_string(port_) +
                          " --dir " + dir_.string() + " --save '' --appendonly no" +
                          " --daemonize yes --pidfile " + (dir_ / "redis.pid").string() +
                          " --logfile " + (dir_ / "redis.log").string();
    if (!password_.empty()) command += " --requirepass " + password_;
    if (std::system(command.c_str()) != 0) return false;
    for (int i = 0; i < 200 && !port_answers(port_); ++i) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    for (int i = 0; i < 200 && !std::filesystem::exists(dir_ / "redis.pid"); ++i) {
      std::this_thread::sleep_for(milliseconds(50));
    }
    return port_answers(port_);
  }

  void stop() {
    pid_t pid = 0;
    std::ifstream(dir_ / "redis.pid") >> pid;
    if (pid <= 0) return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 200 && kill(pid, 0) == 0; ++i)
      std::this_thread::sleep_for(milliseconds(25));
    std::filesystem::remove(dir_ / "redis.pid");
  }

 private:
  std::filesystem::path dir_;
  int port_ = free_port();
  std::string password_;
};

void expect_unavailable(const Error& error, const std::string& where, const std::string& secret) {
  EXPECT_EQ(error.code, ErrorCode::kUnavailable);
  EXPECT_EQ(error.slug, "queue_unavailable") << error.message;
  EXPECT_NE(error.message.find(where), std::string::npos) << error.message;
  EXPECT_EQ(error.message.find(secret), std::string::npos) << error.message;
}

TEST(RedisJobQueue, UnackedDeliveryIsHandedOutAgainAfterTheLease) {
  std::string url = shared_url("lease_s=1");
  ASSERT_FALSE(url.empty()) << trainbox::testing::missing_server_message("redis");
  auto crashed = open_or_die(url);
  auto survivor = open_or_die(url);
  ASSERT_TRUE(crashed && survivor);
  ASSERT_TRUE(crashed->push("t1"));
  ASSERT_EQ(crashed->pop(milliseconds(500)).value(), "t1");  // and never acknowledged
  EXPECT_EQ(survivor->pop(milliseconds(100)).value(), std::nullopt) << "still within the lease";
  EXPECT_EQ(survivor->pop(milliseconds(5000)).value(), "t1") << "the lease ran out";
  EXPECT_EQ(survivor->size().value(), 1u) << "delivered, not yet acknowledged";
  ASSERT_TRUE(survivor->ack("t1"));
  EXPECT_EQ(survivor->size().value(), 0u);
  EXPECT_EQ(crashed->pop(milliseconds(1500)).value(), std::nullopt) << "acknowledged: gone";
}

TEST(RedisJobQueue, AckedDeliveryIsNotHandedOutAgain) {
  std::string url = shared_url("lease_s=1");
  ASSERT_FALSE(url.empty()) << trainbox::testing::missing_server_message("redis");
  auto first = open_or_die(url);
  auto second = open_or_die(url);
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->push("t1"));
  ASSERT_EQ(first->pop(milliseconds(500)).value(), "t1");
  ASSERT_TRUE(first->ack("t1"));
  EXPECT_EQ(second->pop(milliseconds(2500)).value(), std::nullopt);
  EXPECT_EQ(first->pop(milliseconds(0)).value(), std::nullopt);
  EXPECT_EQ(first->size().value(), 0u);
}

TEST(RedisJobQueue, TwoQueuesOnOneStreamGetDistinctIds) {
  std::string url = shared_url();
  ASSERT_FALSE(url.empty()) << trainbox::testing::missing_server_message("redis");
  std::unique_ptr<JobQueue> queues[] = {open_or_die(url), open_or_die(url)};
  ASSERT_TRUE(queues[0] && queues[1]);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(queues[0]->push(std::to_string(i)));
  std::mutex mutex;
  std::multiset<std::string> seen;
  std::set<std::string> got[2];
  std::vector<std::thread> consumers;
  for (int c = 0; c < 2; ++c) {
    consumers.emplace_back([&, c] {
      while (true) {
        auto popped = queues[c]->pop(milliseconds(300));
        if (!popped || !popped->has_value()) return;
        EXPECT_TRUE(queues[c]->ack(**popped));
        std::lock_guard lock(mutex);
        seen.insert(**popped);
        got[c].insert(**popped);
        std::this_thread::sleep_for(milliseconds(2));  // "work", so both get a share
      }
    });
  }
  for (auto& consumer : consumers) consumer.join();
  EXPECT_EQ(seen.size(), 100u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(seen.count(std::to_string(i)), 1u);
  EXPECT_FALSE(got[0].empty());
  EXPECT_FALSE(got[1].empty());
  EXPECT_EQ(queues[1]->size().value(), 0u);
}

TEST(RedisJobQueue, CloseWakesAWaitingPopPromptly) {
  std::string url = shared_url();
  ASSERT_FALSE(url.empty()) << trainbox::testing::missing_server_message("redis");
  auto queue = open_or_die(url);
  ASSERT_TRUE(queue);
  std::thread closer([&] {
    std::this_thread::sleep_for(milliseconds(100));
    queue->close();
  });
  auto started = Clock::now();
  auto popped = queue->pop(milliseconds(20000));
  closer.join();
  ASSERT_TRUE(popped);
  EXPECT_FALSE(popped->has_value());
  EXPECT_LT(Clock::now() - started, std::chrono::seconds(5)) << "pop slept through close()";
}

TEST(RedisJobQueue, RestartChangesGenerationAndOutagesAreReported) {
  const std::string password = "s3cret-Pw";
  OwnRedis server(password);
  ASSERT_TRUE(server.start()) << "cannot start redis-server";
  const std::string where = "127.0.0.1:" + std::to_string(server.port());
  auto wrong = open_job_queue("redis://:not-the-pw@" + where + "/1");
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().message.find("not-the-pw"), std::string::npos) << wrong.error().message;
  auto queue = open_or_die("redis://:" + password + "@" + where + "/1?stream=restart");
  ASSERT_TRUE(queue);
  EXPECT_EQ(queue->generation(), 0u);
  ASSERT_TRUE(queue->push("lost"));

  server.stop();
  auto pushed = queue->push("x");
  ASSERT_FALSE(pushed);
  expect_unavailable(pushed.error(), where, password);
  auto popped = queue->pop(milliseconds(300));
  ASSERT_FALSE(popped);
  expect_unavailable(popped.error(), where, password);
  ASSERT_FALSE(queue->size());
  int calls = 0;
  for (auto until = Clock::now() + milliseconds(500); Clock::now() < until; ++calls) {
    EXPECT_FALSE(queue->pop(milliseconds(0)));
  }
  EXPECT_LT(calls, 50) << "a failing pop must pause, so a retry loop does not spin";
  EXPECT_EQ(queue->generation(), 0u) << "nothing known to be lost while it is down";

  ASSERT_TRUE(server.start()) << "cannot restart redis-server";
  bool recovered = false;
  for (int i = 0; i < 100 && !recovered; ++i) {
    recovered = bool(queue->push("after"));
    if (!recovered) std::this_thread::sleep_for(milliseconds(100));
  }
  ASSERT_TRUE(recovered) << "the queue did not reconnect";
  EXPECT_EQ(queue->generation(), 1u) << "a restart without persistence lost the stream";
  EXPECT_EQ(queue->size().value(), 1u);
  EXPECT_EQ(queue->pop(milliseconds(500)).value(), "after");
}

TEST(RedisJobQueue, UnreachableServerFailsTheOpen) {
  const std::string where = "127.0.0.1:" + std::to_string(free_port());
  auto opened = open_job_queue("redis://:hunter2@" + where + "/0");
  ASSERT_FALSE(opened);
  expect_unavailable(opened.error(), where, "hunter2");
}

TEST(RedisJobQueue, UrlIsParsed) {
  auto config = parse_redis_queue_url(
      "redis://worker:p%40ss/word?x@[::1]:7000/3?stream=jobs&group=pool&lease_s=5");
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->user, "worker");
  EXPECT_EQ(config->password, "p@ss/word?x");
  EXPECT_EQ(config->host, "::1");
  EXPECT_EQ(config->port, 7000);
  EXPECT_EQ(config->db, 3);
  EXPECT_EQ(config->stream, "jobs");
  EXPECT_EQ(config->group, "pool");
  EXPECT_EQ(config->lease, std::chrono::seconds(5));
  auto defaults = parse_redis_queue_url("redis://localhost");
  ASSERT_TRUE(defaults) << defaults.error().message;
  EXPECT_EQ(defaults->port, 6379);
  EXPECT_EQ(defaults->db, 0);
  EXPECT_EQ(defaults->stream, "trainbox:tasks");
  EXPECT_EQ(defaults->group, "trainbox-workers");
  EXPECT_EQ(defaults->lease, std::chrono::seconds(30));
}

TEST(RedisJobQueue, BadUrlIsRefusedWithAClearMessage) {
  const std::pair<std::string, std::string> cases[] = {
      {"redis://", "no host"},
      {"redis://:6379/0", "no host"},
      {"redis://localhost:abc/0", "port 'abc'"},
      {"redis://localhost:70000/0", "port '70000'"},
      {"redis://localhost:/0", "empty port"},
      {"redis://localhost:6379/x", "database 'x'"},
      {"redis://localhost:6379/0?lease_s=0", "lease_s '0'"},
      {"redis://localhost:6379/0?lease_s=ten", "lease_s 'ten'"},
      {"redis://localhost:6379/0?colour=blue", "unknown parameter 'colour'"},
      {"redis://localhost:6379/0?stream=", "'stream' needs a value"},
      {"redis://hunter2@localhost:6379/0", "credentials"},
      {"redis://:hunter2@localhost:x/0", "port 'x'"},
      {"redis://:hunter2%zz@localhost/0", "%-escape"},
      {"rediss://:hunter2@localhost/0", "unknown queue URL scheme 'rediss'"},
  };
  for (const auto& [url, expected] : cases) {
    auto opened = open_job_queue(url);
    ASSERT_FALSE(opened) << url;
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(opened.error().slug, "invalid_queue_url") << url;
    EXPECT_NE(opened.error().message.find(expected), std::string::npos)
        << url << ": " << opened.error().message;
    EXPECT_EQ(opened.error().message.find("hunter2"), std::string::npos) << opened.error().message;
  }
}

}  // namespace
}  // namespace trainbox::queue
