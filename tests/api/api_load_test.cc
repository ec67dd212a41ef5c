// Slow and crowding clients against the real binary, each bounded to a few seconds: slow clients
// hold no thread (/health keeps answering) and are dropped at the head deadline or, sending a
// body, below the minimum body rate; a burst of concurrent connects is answered, none reset;
// past the connection limit the answer is a 503; 200 concurrent predicts and 20 concurrent
// uploads are all answered.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "ml/testing/image_fixtures.h"
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

namespace trainbox::testing {
namespace {

class ApiSlowBodyTest : public ApiTest {
 protected:
  void SetUp() override { start_server({"--body-grace-s", "2", "--min-body-rate-kb", "4"}); }
};

// A body trickled far below the minimum rate is cut off soon after the grace, whatever its
// declared length, with a 408 that says why and the connection closed; /health answers
// throughout, and a fair upload is still accepted.
TEST_F(ApiSlowBodyTest, TrickledBodiesAreCutOffAfterTheGrace) {
  std::vector<int> slow;
  for (int i = 0; i < 20; ++i) {
    int fd = connect_to(server_->port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(send_text(fd,
                          "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                          "multipart/form-data; boundary=x\r\nContent-Length: 1000000\r\n\r\n"));
    slow.push_back(fd);
  }
  auto started = steady_clock::now();
  int cut = 0;
  std::vector<bool> open(slow.size(), true);
  while (cut < static_cast<int>(slow.size()) &&
         steady_clock::now() - started < std::chrono::seconds(8)) {
    for (size_t i = 0; i < slow.size(); ++i) {
      if (open[i] && !send_text(slow[i], "0123456789")) {
        open[i] = false;
        ++cut;
      }
    }
    auto health = server_->client()->Get("/api/v1/health");
    ASSERT_TRUE(health);
    EXPECT_EQ(health->status, 200);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  EXPECT_EQ(cut, 20) << "every trickled body was cut off within 8 s";
  EXPECT_GE(steady_clock::now() - started, std::chrono::seconds(2)) << "not before the grace";
  for (int fd : slow) ::close(fd);
  // One that sends a little and then waits reads why, and the connection closes after it.
  int quiet = connect_to(server_->port());
  ASSERT_TRUE(send_text(quiet,
                        "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                        "multipart/form-data; boundary=x\r\nContent-Length: 1000\r\n\r\n--x"));
  std::string answer = first_bytes(quiet);
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 408")) << answer;
  std::string rest;
  for (std::string more = first_bytes(quiet); !more.empty() && !more.starts_with("error");
       more = first_bytes(quiet)) {
    rest += more;
  }
  EXPECT_NE((answer + rest).find("request_body_too_slow"), std::string::npos) << answer + rest;
  ::close(quiet);
  nlohmann::json task = create_ok(R"({"epochs": 1})");
  EXPECT_EQ(task.value("status", ""), "QUEUED");
  EXPECT_EQ(nlohmann::json::parse(server_->client()->Get("/api/v1/tasks")->body)["total"], 1)
      << "the cut-off uploads stored nothing";
}

}  // namespace
}  // namespace trainbox::testing

namespace trainbox::testing {
namespace {

class ApiCrowdTest : public ApiTest {
 protected:
  void SetUp() override { start_server({"--max-connections", "400"}); }

  // Runs `request` from `clients` threads at once, each on its own connection; returns the
  // statuses, 0 where no answer came (a reset or a refused connect).
  template <class Request>
  std::vector<int> all_at_once(int clients, Request request) {
    std::atomic<int> ready{0};
    std::vector<int> statuses(static_cast<size_t>(clients), 0);
    std::vector<std::thread> threads;
    for (int i = 0; i < clients; ++i) {
      threads.emplace_back([&, i] {
        auto client = server_->client();
        client->set_read_timeout(std::chrono::seconds(60));
        ready.fetch_add(1);
        while (ready.load() < clients) std::this_thread::yield();
        httplib::Result res = request(*client);
        statuses[static_cast<size_t>(i)] = res ? res->status : 0;
      });
    }
    for (auto& thread : threads) thread.join();
    return statuses;
  }
};

TEST_F(ApiCrowdTest, TwoHundredConcurrentPredictsAreAllAnswered) {
  nlohmann::json task = create_ok(R"({"epochs": 1, "backbone": "tiny_cnn"})");
  std::string id = task.value("id", "");
  ASSERT_EQ(wait_status(id, "COMPLETED")["status"], "COMPLETED");
  std::string image =
      ml::testing::encode_png(ml::data::RgbImage{32, 32, std::vector<uint8_t>(32 * 32 * 3, 200)});
  auto statuses = all_at_once(200, [&](httplib::Client& client) {
    return client.Post("/api/v1/tasks/" + id + "/predict",
                       httplib::MultipartFormDataItems{{"file", image, "a.png", "image/png"}});
  });
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), 200);
}

TEST_F(ApiCrowdTest, TwentyConcurrentUploadsAreAllAccepted) {
  std::string zip = shapes_zip(scratch_.path(), 2, 6, 16);
  auto statuses = all_at_once(20, [&](httplib::Client& client) {
    return create_task(client, "shapes.zip", zip, {{"options", R"({"epochs": 1})"}});
  });
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 202), 20);
  auto list = server_->client()->Get("/api/v1/tasks?limit=50");
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)["total"], 20);
}

}  // namespace
}  // namespace trainbox::testing
