// Accounts against the real binary: the authorization matrix (anonymous, user A, user B, admin x
// every route), tokens from `trainbox users`, the page's session cookie, rotation and removal,
// the first-start admin with its one-time code, per-user limits, and --auth none's loopback rule.

#include <gtest/gtest.h>

#include <regex>

#include "bench/sentences.h"
#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {

// `trainbox users ARGS --data-dir DIR`: the last line of what it prints (the token, for add and
// token).
std::string users_command(const std::filesystem::path& data_dir, const std::string& args) {
  std::string out = run_and_capture(trainbox_binary().string() + " users " + args + " --data-dir " +
                                    data_dir.string() + " 2>&1");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  size_t last = out.rfind('\n');
  return last == std::string::npos ? out : out.substr(last + 1);
}

class ApiAccountsTest : public ApiTest {
 protected:
  void SetUp() override {
    data_ = scratch_.path() / "data";
    alice_ = users_command(data_, "add alice");
    bob_ = users_command(data_, "add bob");
    admin_ = users_command(data_, "add root --admin");
    for (const auto& token : {alice_, bob_, admin_})
      ASSERT_TRUE(token.starts_with("tbx_")) << token;
  }
  void start(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--auth", "tokens"});
    start_server(extra);
  }
  std::unique_ptr<httplib::Client> as(const std::string& token) {
    auto client = server_->client();
    if (!token.empty()) client->set_bearer_token_auth(token);
    return client;
  }
  // A completed text task of alice's, trained in seconds.
  std::string alice_completed_task() {
    auto res = create_task(*as(alice_), "topics.csv", bench::sentences_csv(2, 12));
    EXPECT_TRUE(res && res->status == 202) << (res ? res->body : "no reply");
    std::string id = nlohmann::json::parse(res->body).value("id", "");
    auto done = wait_for_task(
        *as(alice_), id, [](const nlohmann::json& task) { return is_terminal_status(task); },
        std::chrono::seconds(180));
    EXPECT_EQ(done.value("status", ""), "COMPLETED") << done.dump();
    return id;
  }

  std::filesystem::path data_;
  std::string alice_, bob_, admin_;
};

struct Expected {
  int anonymous, alice, bob, admin;
};

TEST_F(ApiAccountsTest, AuthorizationMatrixOverEveryRoute) {
  start();
  std::string id = alice_completed_task();
  std::string task = "/api/v1/tasks/" + id;
  const std::string texts = R"({"texts": ["a late goal by the striker"]})";
  struct Row {
    std::string name;
    std::function<httplib::Result(httplib::Client&)> call;
    Expected expected;
  };
  std::vector<Row> rows = {
      {"GET /health", [](auto& c) { return c.Get("/api/v1/health"); }, {200, 200, 200, 200}},
      {"GET /openapi.json",
       [](auto& c) { return c.Get("/api/v1/openapi.json"); },
       {200, 200, 200, 200}},
      {"GET /me", [](auto& c) { return c.Get("/api/v1/me"); }, {401, 200, 200, 200}},
      {"GET /backbones", [](auto& c) { return c.Get("/api/v1/backbones"); }, {401, 200, 200, 200}},
      {"GET /tasks", [](auto& c) { return c.Get("/api/v1/tasks"); }, {401, 200, 200, 200}},
      {"GET /tasks/{id}", [&](auto& c) { return c.Get(task); }, {401, 200, 404, 200}},
      {"GET /tasks/{id}/events",
       [&](auto& c) { return c.Get(task + "/events"); },
       {401, 200, 404, 200}},
      {"POST /tasks/{id}/predict",
       [&](auto& c) { return c.Post(task + "/predict", texts, "application/json"); },
       {401, 200, 404, 200}},
      {"GET /tasks/{id}/model",
       [&](auto& c) { return c.Get(task + "/model"); },
       {401, 200, 404, 200}},
      {"GET /tasks/{id}/validation",
       [&](auto& c) { return c.Get(task + "/validation"); },
       {401, 200, 404, 200}},
      // Completed: the owner and an admin learn that (409); anyone else that it does not exist.
      {"POST /tasks/{id}/cancel",
       [&](auto& c) { return c.Post(task + "/cancel"); },
       {401, 409, 404, 409}},
      // 0: not asked here (it would delete the task): the owner and admin deletes come last.
      {"DELETE /tasks/{id}", [&](auto& c) { return c.Delete(task); }, {401, 0, 404, 0}},
  };
  for (const auto& row : rows) {
    const std::vector<std::pair<std::string, int>> callers = {{"", row.expected.anonymous},
                                                              {alice_, row.expected.alice},
                                                              {bob_, row.expected.bob},
                                                              {admin_, row.expected.admin}};
    for (size_t i = 0; i < callers.size(); ++i) {
      if (callers[i].second == 0) continue;
      auto res = row.call(*as(callers[i].first));
      ASSERT_TRUE(res) << row.name;
      EXPECT_EQ(res->status, callers[i].second) << row.name << " as "
                                                << (i == 0   ? "anonymous"
                                                    : i == 1 ? "alice"
                                                    : i == 2 ? "bob"
                                                             : "admin")
                                                << ": " << res->body.substr(0, 300);
      if (res->status == 401) {
        EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer realm=\"trainbox\"");
        EXPECT_NE(res->body.find("\"unauthorized\""), std::string::npos) << res->body;
      }
    }
  }
  // Lists: each user their own, the admin everything.
  EXPECT_EQ(nlohmann::json::parse(as(alice_)->Get("/api/v1/tasks")->body)["total"], 1);
  EXPECT_EQ(nlohmann::json::parse(as(bob_)->Get("/api/v1/tasks")->body)["total"], 0);
  EXPECT_EQ(nlohmann::json::parse(as(admin_)->Get("/api/v1/tasks")->body)["total"], 1);
  auto shown = nlohmann::json::parse(as(alice_)->Get(task)->body);
  EXPECT_EQ(shown["owner"], "alice");
  EXPECT_GT(shown["model_size"].get<int64_t>(), 0);
  EXPECT_EQ(shown["model_sha256"].get<std::string>().size(), 64u);
  // Uploads: anyone signed in creates tasks of their own; anonymous is 401 before the body.
  auto anonymous_upload = create_task(*as(""), "topics.csv", bench::sentences_csv(2, 12));
  ASSERT_TRUE(anonymous_upload);
  EXPECT_EQ(anonymous_upload->status, 401);
  auto bobs = create_task(*as(bob_), "topics.csv", bench::sentences_csv(2, 12));
  ASSERT_TRUE(bobs);
  ASSERT_EQ(bobs->status, 202);
  EXPECT_EQ(nlohmann::json::parse(bobs->body)["owner"], "bob");
  std::string bob_task = "/api/v1/tasks/" + nlohmann::json::parse(bobs->body).value("id", "");
  EXPECT_EQ(as(alice_)->Get(bob_task)->status, 404);
  EXPECT_EQ(as(admin_)->Delete(bob_task)->status, 204) << "an admin deletes anyone's task";
  EXPECT_EQ(as(alice_)->Delete(task)->status, 204) << "the owner deletes their task";
  EXPECT_EQ(as(admin_)->Get(task)->status, 404);
}

TEST_F(ApiAccountsTest, RotatedAndRemovedUsersLoseAccessAtOnce) {
  start();
  ASSERT_EQ(as(alice_)->Get("/api/v1/me")->status, 200);
  std::string fresh = users_command(data_, "token alice");
  ASSERT_TRUE(fresh.starts_with("tbx_")) << fresh;
  EXPECT_EQ(as(alice_)->Get("/api/v1/me")->status, 401) << "the old token stops working";
  auto me = as(fresh)->Get("/api/v1/me");
  ASSERT_TRUE(me);
  EXPECT_EQ(nlohmann::json::parse(me->body)["name"], "alice");
  users_command(data_, "remove bob");
  EXPECT_EQ(as(bob_)->Get("/api/v1/me")->status, 401);
  EXPECT_EQ(as("tbx_" + std::string(64, '0'))->Get("/api/v1/me")->status, 401);
  EXPECT_EQ(as("not-a-token")->Get("/api/v1/me")->status, 401);
}

TEST_F(ApiAccountsTest, ThePageSignsInWithAnHttpOnlyCookie) {
  start();
  auto client = as("");
  auto signed_in =
      client->Post("/api/v1/session", nlohmann::json{{"token", alice_}}.dump(), "application/json");
  ASSERT_TRUE(signed_in);
  ASSERT_EQ(signed_in->status, 200) << signed_in->body;
  std::string cookie = signed_in->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_EQ(signed_in->body.find(alice_), std::string::npos) << "a token sign-in never echoes it";
  std::string pair = cookie.substr(0, cookie.find(';'));
  auto me = client->Get("/api/v1/me", {{"Cookie", pair}});
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);
  EXPECT_EQ(nlohmann::json::parse(me->body)["name"], "alice");
  auto wrong = client->Post("/api/v1/session", R"({"token": "tbx_nope"})", "application/json");
  EXPECT_EQ(wrong->status, 401);
  expect_error(client->Post("/api/v1/session", R"({"name": "alice"})", "application/json"), 400,
               "invalid_sign_in");
  auto out = client->Delete("/api/v1/session");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->status, 204);
  EXPECT_NE(out->get_header_value("Set-Cookie").find("Max-Age=0"), std::string::npos);
}

TEST_F(ApiAccountsTest, PerUserActiveTaskLimitAnswers429) {
  start({"--user-max-active-tasks", "1", "--concurrency", "1"});
  auto first = create_task(*as(alice_), "topics.csv", bench::sentences_csv(2, 12),
                           {{"options", R"({"time_budget_s": 60})"}});
  ASSERT_TRUE(first && first->status == 202);
  auto second = create_task(*as(alice_), "topics.csv", bench::sentences_csv(2, 12));
  expect_error(second, 429, "too_many_active_tasks");
  auto bobs = create_task(*as(bob_), "topics.csv", bench::sentences_csv(2, 12));
  ASSERT_TRUE(bobs);
  EXPECT_EQ(bobs->status, 202) << "the limit is per user";
  auto admins = create_task(*as(admin_), "topics.csv", bench::sentences_csv(2, 12));
  ASSERT_TRUE(admins);
  EXPECT_EQ(admins->status, 202) << "admins are not limited";
}

class ApiFirstStartTest : public ApiTest {};

TEST_F(ApiFirstStartTest, FirstStartCreatesTheAdminWithAOneTimeSignInLink) {
  start_server({"--auth", "tokens"});
  std::string printed;
  while (printed.find("users token admin") == std::string::npos) {
    auto line = server_->read_line(std::chrono::seconds(10));
    if (!line) break;
    printed += *line + "\n";
  }
  std::smatch match;
  ASSERT_TRUE(std::regex_search(printed, match, std::regex("#sign-in=([0-9a-f]{32})"))) << printed;
  std::string code = match[1];
  EXPECT_NE(printed.find("trainbox users token admin"), std::string::npos) << printed;
  expect_error(client_->Get("/api/v1/tasks"), 401, "unauthorized");
  auto redeemed =
      client_->Post("/api/v1/session", nlohmann::json{{"code", code}}.dump(), "application/json");
  ASSERT_TRUE(redeemed);
  ASSERT_EQ(redeemed->status, 200) << redeemed->body;
  auto body = nlohmann::json::parse(redeemed->body);
  EXPECT_EQ(body["user"]["name"], "admin");
  EXPECT_EQ(body["user"]["admin"], true);
  std::string token = body.value("token", "");
  client_->set_bearer_token_auth(token);
  EXPECT_EQ(client_->Get("/api/v1/tasks")->status, 200);
  expect_error(
      client_->Post("/api/v1/session", nlohmann::json{{"code", code}}.dump(), "application/json"),
      401, "invalid_sign_in_code");
  // A restart with a user present prints no new code.
  server_->stop();
  start_server({"--auth", "tokens"});
  auto after_restart = server_->read_line(std::chrono::seconds(2));
  EXPECT_FALSE(after_restart && after_restart->find("sign-in=") != std::string::npos);
}

TEST_F(ApiFirstStartTest, AuthNoneIsRefusedOffLoopback) {
  std::string out = run_and_capture(trainbox_binary().string() +
                                    " serve --auth none --host 0.0.0.0 --port 0 --data-dir " +
                                    (scratch_.path() / "d").string() + " 2>&1; echo rc=$?");
  EXPECT_NE(out.find("--auth none is refused on --host 0.0.0.0"), std::string::npos) << out;
  EXPECT_NE(out.find("rc=2"), std::string::npos) << out;
}

}  // namespace
}  // namespace trainbox::testing
