// What the DynamoDB stores do beyond the shared contract suites: URL parsing, the missing-table
// and credential errors, retries of throttling and 5xx (against a tiny scripted fake server: a
// real DynamoDB cannot be made to throttle on demand), a conditional write whose lost first
// attempt applied, and the idempotency guard left by a crashed insert (on the fixture dynalite).

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "db/dynamodb_config.h"
#include "db/dynamodb_item.h"
#include "db/dynamodb_table.h"
#include "db/dynamodb_writes.h"
#include "db/task_store.h"
#include "db/user_store.h"
#include "tests/contract/store_factories.h"
#include "util/ids.h"

namespace trainbox::db {
namespace {

using nlohmann::json;
using Replies = std::vector<std::pair<int, json>>;

// Answers each request with the next scripted (status, body), then 400s; records the operations.
class FakeDynamo {
 public:
  explicit FakeDynamo(Replies replies) : replies_(std::move(replies)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    auto* raw = reinterpret_cast<sockaddr*>(&address);  // NOLINT: the sockets API
    EXPECT_EQ(::bind(listen_fd_, raw, length), 0);
    EXPECT_EQ(::listen(listen_fd_, 16), 0);
    EXPECT_EQ(::getsockname(listen_fd_, raw, &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeDynamo() {
    ::shutdown(listen_fd_, SHUT_RDWR);  // wakes accept()
    thread_.join();
    ::close(listen_fd_);
  }
  FakeDynamo(const FakeDynamo&) = delete;
  FakeDynamo& operator=(const FakeDynamo&) = delete;

  std::string url(const std::string& options = "") const {
    return "dynamodb://fake-table?region=us-east-1&endpoint=http://127.0.0.1:" +
           std::to_string(port_) + options;
  }
  std::vector<std::string> operations() {
    std::lock_guard lock(mutex_);
    return operations_;
  }

 private:
  void serve() {
    while (true) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) return;
      answer(fd);
      ::close(fd);
    }
  }
  void answer(int fd) {
    std::string request;
    char buffer[4096];
    size_t header_end = std::string::npos;
    size_t wanted = 0;
    while (header_end == std::string::npos || request.size() < header_end + 4 + wanted) {
      ssize_t got = ::read(fd, buffer, sizeof(buffer));
      if (got <= 0) return;
      request.append(buffer, static_cast<size_t>(got));
      if (header_end == std::string::npos &&
          (header_end = request.find("\r\n\r\n")) != request.npos) {
        size_t at = request.find("content-length:");
        if (at == request.npos) at = request.find("Content-Length:");
        if (at != request.npos && at < header_end) wanted = std::stoul(request.substr(at + 15));
      }
    }
    std::pair<int, json> reply{400,
                               {{"__type", "x#ValidationException"}, {"message", "unscripted"}}};
    {
      std::lock_guard lock(mutex_);
      size_t at = request.find("DynamoDB_20120810.");
      operations_.push_back(request.substr(at + 18, request.find("\r\n", at) - at - 18));
      if (next_ < replies_.size()) reply = replies_[next_++];
    }
    std::string body = reply.second.dump();
    std::string response = "HTTP/1.1 " + std::to_string(reply.first) +
                           " X\r\nContent-Type: application/x-amz-json-1.0\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
    (void)::write(fd, response.data(), response.size());
  }

  int listen_fd_ = -1;
  int port_ = 0;
  std::mutex mutex_;
  Replies replies_;
  size_t next_ = 0;
  std::vector<std::string> operations_;
  std::thread thread_;
};

json error_body(const std::string& type) {
  return {{"__type", "com.amazonaws.dynamodb.v20120810#" + type}, {"message", "scripted"}};
}

json active_table() {
  json indexes = json::array();
  for (const char* name : {dynamo::kByCreated, dynamo::kByOwner, dynamo::kByStatus}) {
    indexes.push_back({{"IndexName", name}, {"IndexStatus", "ACTIVE"}});
  }
  return {{"Table", {{"TableStatus", "ACTIVE"}, {"GlobalSecondaryIndexes", indexes}}}};
}

DynamoClient fake_client(const FakeDynamo& fake, const std::string& options = "") {
  auto config = parse_dynamodb_url(fake.url(options), "");
  EXPECT_TRUE(config) << config.error().message;
  return DynamoClient(*config, aws::Credentials{"key", "secret", ""});
}

TEST(DynamoConfig, ParsesTheUrlAndItsDefaults) {
  auto aws = parse_dynamodb_url("dynamodb://trainbox-tasks", "eu-west-1");
  ASSERT_TRUE(aws) << aws.error().message;
  EXPECT_EQ(aws->table, "trainbox-tasks");
  EXPECT_EQ(aws->region, "eu-west-1");
  EXPECT_EQ(aws->endpoint(), "https://dynamodb.eu-west-1.amazonaws.com");
  EXPECT_FALSE(aws->create_table);
  EXPECT_EQ(aws->max_attempts, 6);
  auto local = parse_dynamodb_url(
      "dynamodb://t_1.x?region=us-west-2&endpoint=http://127.0.0.1:8000/&create_table=1"
      "&max_attempts=3",
      "eu-west-1");
  ASSERT_TRUE(local) << local.error().message;
  EXPECT_EQ(local->region, "us-west-2");
  EXPECT_EQ(local->endpoint(), "http://127.0.0.1:8000");
  EXPECT_TRUE(local->create_table);
  EXPECT_EQ(local->max_attempts, 3);
  EXPECT_EQ(parse_dynamodb_url("dynamodb://t12", "")->region, "us-east-1");
}

TEST(DynamoConfig, RefusesBadUrls) {
  for (const char* url :
       {"dynamodb://", "dynamodb://ab", "dynamodb://a/b?region=x", "dynamodb://table?colour=red",
        "dynamodb://table?endpoint=ftp://x", "dynamodb://table?endpoint=http://h/path",
        "dynamodb://table?create_table=yes", "dynamodb://table?max_attempts=0",
        "dynamodb://table?region="}) {
    auto parsed = parse_dynamodb_url(url, "");
    ASSERT_FALSE(parsed) << url;
    EXPECT_EQ(parsed.error().slug, "invalid_database_url") << url;
  }
  EXPECT_EQ(open_task_store("dynamodb://a?x=1").error().slug, "invalid_database_url");
}

TEST(DynamoClient, RetriesThrottlingAndServerErrorsThenAnswers) {
  FakeDynamo fake(Replies{{400, error_body("ProvisionedThroughputExceededException")},
                          {400, error_body("ThrottlingException")},
                          {500, error_body("InternalServerError")},
                          {200, {{"Item", {{"pk", dynamo::s("x")}}}}}});
  auto reply = fake_client(fake).call("GetItem", {{"Key", dynamo::key_of("x")}});
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_EQ(dynamo::get_s(reply->body["Item"], "pk"), "x");
  EXPECT_TRUE(reply->retried) << "the 500 may have applied";
  EXPECT_EQ(fake.operations(), std::vector<std::string>(4, "GetItem"));
}

TEST(DynamoClient, ThrottlingRetriesAreBounded) {
  FakeDynamo fake(Replies(5, {400, error_body("ProvisionedThroughputExceededException")}));
  auto reply = fake_client(fake, "&max_attempts=3").call("PutItem", json::object());
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(reply.error().slug, "database_unavailable");
  EXPECT_NE(reply.error().message.find("ProvisionedThroughputExceeded"), std::string::npos);
  EXPECT_EQ(fake.operations().size(), 3u);
}

TEST(DynamoClient, AThrottledAttemptIsNotOneThatMayHaveApplied) {
  FakeDynamo fake(Replies{{400, error_body("ThrottlingException")},
                          {400, error_body("ConditionalCheckFailedException")}});
  auto reply = fake_client(fake).call("UpdateItem", json::object());
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_TRUE(reply->condition_failed);
  EXPECT_FALSE(reply->retried) << "DynamoDB refuses a throttled request before applying it";
}

TEST(DynamoClient, RefusedCredentialsAreAClearErrorAtOnce) {
  FakeDynamo fake(Replies{{400, error_body("UnrecognizedClientException")}});
  dynamodb_test_credentials();
  auto opened = open_task_store(fake.url());
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().slug, "database_forbidden");
  EXPECT_NE(opened.error().message.find("AWS_ACCESS_KEY_ID"), std::string::npos);
  EXPECT_EQ(fake.operations().size(), 1u) << "not retried";
}

TEST(DynamoClient, ConditionFailuresAreValues) {
  FakeDynamo fake(Replies{{400, error_body("ConditionalCheckFailedException")}});
  auto reply = fake_client(fake).call("UpdateItem", json::object());
  ASSERT_TRUE(reply) << reply.error().message;
  EXPECT_TRUE(reply->condition_failed);
  EXPECT_FALSE(reply->retried);
}

TEST(DynamoTaskStore, AClaimWhoseLostAttemptAppliedCountsAsWon) {
  core::Task running;
  running.id = new_task_id();
  running.status = core::TaskStatus::kRunning;
  running.worker_id = "worker-a";
  running.started_at_ms = 5000;
  FakeDynamo fake(Replies{{200, active_table()},
                          {500, error_body("InternalServerError")},
                          {400, error_body("ConditionalCheckFailedException")},
                          {200, {{"Item", dynamo::task_item(running)}}}});
  dynamodb_test_credentials();
  auto store = open_task_store(fake.url());
  ASSERT_TRUE(store) << store.error().message;
  auto claimed = (*store)->claim(running.id, 5000, "worker-a");
  ASSERT_TRUE(claimed) << claimed.error().message;
  EXPECT_TRUE(*claimed);
  EXPECT_EQ(fake.operations(),
            (std::vector<std::string>{"DescribeTable", "UpdateItem", "UpdateItem", "GetItem"}));
}

class DynaliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::test_server_url("dynamodb");
    ASSERT_TRUE(server) << testing::missing_server_message("dynamodb");
    dynamodb_test_credentials();
    url_ = dynamodb_url_for_table(*server, "dynamo-" + new_task_id());
  }
  std::string url_;
};

TEST_F(DynaliteTest, AMissingTableNamesItAndSaysHowToCreateIt) {
  auto opened = open_task_store(url_);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(opened.error().slug, "table_not_found");
  EXPECT_NE(opened.error().message.find(url_.substr(11, url_.find('?') - 11)), std::string::npos);
  EXPECT_NE(opened.error().message.find("trainbox dynamodb create-table"), std::string::npos);
  EXPECT_EQ(open_user_store(url_).error().slug, "table_not_found");
}

TEST_F(DynaliteTest, CreateTableMakesATableTheStoresOpenAndRefusesASecond) {
  auto client = dynamodb_client_from_url(url_);
  ASSERT_TRUE(client) << client.error().message;
  ASSERT_TRUE(create_dynamodb_table(*client));
  EXPECT_EQ(create_dynamodb_table(*client).error().slug, "table_exists");
  EXPECT_TRUE(open_task_store(url_));
  EXPECT_TRUE(open_user_store(url_));
  drop_dynamodb_table(url_);
}

TEST_F(DynaliteTest, AGuardLeftByACrashedInsertIsTakenOverOnceOld) {
  auto store = open_task_store(url_ + "&create_table=1");
  ASSERT_TRUE(store) << store.error().message;
  auto client = dynamodb_client_from_url(url_).value();
  auto orphan = [&](int64_t at_ms) {  // a guard naming a task that was never stored
    json guard = {{dynamo::kPk, dynamo::s(dynamo::key_guard_pk("k1"))},
                  {"task_id", dynamo::s(new_task_id())},
                  {"at_ms", dynamo::n(at_ms)}};
    ASSERT_TRUE(dynamo::put_item(client, guard, {.pk = ""}));
  };
  core::Task task;
  task.id = new_task_id();
  task.idempotency_key = "k1";
  orphan(std::numeric_limits<int64_t>::max() / 2);  // fresh: its insert may be on its way
  EXPECT_EQ((*store)->insert(task).error().slug, "idempotency_key_taken");
  EXPECT_EQ((*store)->find_by_idempotency_key("k1").error().code, ErrorCode::kNotFound);
  orphan(1000);  // long ago
  ASSERT_TRUE((*store)->insert(task));
  EXPECT_EQ((*store)->find_by_idempotency_key("k1")->id, task.id);
  ASSERT_TRUE((*store)->remove(task.id));
  EXPECT_EQ((*store)->find_by_idempotency_key("k1").error().code, ErrorCode::kNotFound);
  store->reset();
  drop_dynamodb_table(url_);
}

}  // namespace
}  // namespace trainbox::db
