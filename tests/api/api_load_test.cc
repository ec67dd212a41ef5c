// Slow and crowding clients against the real binary, each bounded to a few seconds: slow clients
// hold no thread (/health keeps answering) and are dropped at the head deadline; a burst of
// concurrent connects is answered, none reset; past the connection limit the answer is a 503.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {

using std::chrono::steady_clock;

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool send_text(int fd, const std::string& text) {
  return ::send(fd, text.data(), text.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(text.size());
}

// The first bytes the server sends, "" at EOF, "error <errno>" on a reset or timeout.
std::string first_bytes(int fd) {
  char buffer[64] = {};
  ssize_t got = ::recv(fd, buffer, sizeof(buffer) - 1, 0);
  if (got < 0) return "error " + std::to_string(errno);
  return std::string(buffer, static_cast<size_t>(got));
}

class ApiLoadTest : public ApiTest {
 protected:
  void SetUp() override { start_server({"--header-timeout", "3", "--max-connections", "400"}); }
};

TEST_F(ApiLoadTest, SlowClientsHoldNoThreadAndAreDropped) {
  std::vector<int> slow;
  for (int i = 0; i < 100; ++i) {
    int fd = connect_to(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_text(fd, "GET /api/v1/health HTTP/1.1\r\n"));
    slow.push_back(fd);
  }
  for (int second = 0; second < 2; ++second) {  // a header line a second from each
    auto asked = steady_clock::now();
    auto res = server_->client()->Get("/api/v1/health");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200);
    EXPECT_LT(steady_clock::now() - asked, std::chrono::seconds(1));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    for (int fd : slow) send_text(fd, "X-Slow: " + std::to_string(second) + "\r\n");
  }
  // Past the 3 s head deadline every slow client has been answered 408 or closed.
  int dropped = 0;
  for (int fd : slow) {
    std::string answer = first_bytes(fd);
    if (answer.empty() || answer.starts_with("HTTP/1.1 408")) ++dropped;
    ::close(fd);
  }
  EXPECT_EQ(dropped, 100);
}

TEST_F(ApiLoadTest, ConcurrentConnectsAreAllAnswered) {
  constexpr int kClients = 200;
  std::atomic<int> ready{0};
  std::vector<std::string> answers(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      ready.fetch_add(1);
      while (ready.load() < kClients) std::this_thread::yield();
      int fd = connect_to(server_->port());
      if (fd < 0) {
        answers[i] = "connect failed";
        return;
      }
      send_text(fd, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
      answers[i] = first_bytes(fd);
      ::close(fd);
    });
  }
  for (auto& client : clients) client.join();
  for (const auto& answer : answers) {
    EXPECT_TRUE(answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.1 503")) << answer;
  }
}

class ApiConnectionLimitTest : public ApiTest {
 protected:
  void SetUp() override { start_server({"--max-connections", "16"}); }
};

TEST_F(ApiConnectionLimitTest, PastTheLimitTheAnswerIs503) {
  std::vector<int> idle;
  for (int i = 0; i < 16; ++i) idle.push_back(connect_to(server_->port()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  int extra = connect_to(server_->port());
  ASSERT_GE(extra, 0);
  send_text(extra, "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  std::string answer = first_bytes(extra);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 503")) << answer;
  ::close(extra);
  for (int fd : idle) ::close(fd);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto res = server_->client()->Get("/api/v1/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
}

}  // namespace
}  // namespace trainbox::testing
