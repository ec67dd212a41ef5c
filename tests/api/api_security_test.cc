// Browser safety against the real binary: the security headers on every kind of response, the
// Origin check of state-changing requests, the Host check (DNS rebinding), and error bodies that
// never show a server path.

#include <fstream>
#include <regex>

#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {

class ApiSecurityTest : public ApiTest {
 protected:
  void SetUp() override {
    auto web = scratch_.path() / "web";
    std::filesystem::create_directories(web);
    std::ofstream(web / "index.html") << "<!doctype html><title>t</title>";
    start_server({"--web-dir", web.string()});
  }
  static void expect_security_headers(const httplib::Result& res) {
    ASSERT_TRUE(res);
    auto csp = res->get_header_value("Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
    EXPECT_NE(csp.find("base-uri 'none'"), std::string::npos) << csp;
    EXPECT_EQ(res->get_header_value("X-Frame-Options"), "DENY");
    EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
    EXPECT_EQ(res->get_header_value("Referrer-Policy"), "no-referrer");
  }
  std::string own_origin() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  httplib::Result cancel(const std::string& id, const httplib::Headers& headers) {
    return client_->Post("/api/v1/tasks/" + id + "/cancel", headers, "", "text/plain");
  }
  std::string status_of(const std::string& id) {
    auto res = client_->Get("/api/v1/tasks/" + id);
    return res ? nlohmann::json::parse(res->body).value("status", "") : "";
  }
  static void expect_no_server_path(const std::string& body) {
    static const std::regex kPath(R"((/tmp/|/work/|/home/|/root/|/usr/|/var/|\.cc\b))");
    EXPECT_FALSE(std::regex_search(body, kPath)) << body;
  }
};

TEST_F(ApiSecurityTest, EveryResponseCarriesTheSecurityHeaders) {
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  expect_security_headers(page);
  auto api = client_->Get("/api/v1/health");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 200);
  expect_security_headers(api);
  auto missing = client_->Get("/api/v1/tasks/nope");
  expect_error(missing, 404, "task_not_found");
  expect_security_headers(missing);
  auto refused = client_->Get("/api/v1/health", {{"Host", "evil.example"}});
  expect_security_headers(refused);
}

TEST_F(ApiSecurityTest, CrossOriginWritesAreRefusedSameOriginAndCliPass) {
  std::string first = create_ok(R"({"epochs": 500, "time_budget_s": 600})")["id"];
  std::string second = create_ok()["id"];
  std::string third = create_ok()["id"];
  expect_error(cancel(second, {{"Origin", "http://evil.example"}}), 403, "origin_not_allowed");
  expect_error(client_->Delete("/api/v1/tasks/" + third, {{"Origin", "null"}}), 403,
               "origin_not_allowed");
  EXPECT_NE(status_of(second), "CANCELLED");
  EXPECT_FALSE(status_of(third).empty());  // not deleted

  auto same_origin = cancel(second, {{"Origin", own_origin()}});
  ASSERT_TRUE(same_origin);
  EXPECT_EQ(same_origin->status, 202) << same_origin->body;
  auto no_origin = cancel(third, {});
  ASSERT_TRUE(no_origin);
  EXPECT_EQ(no_origin->status, 202) << no_origin->body;
  EXPECT_EQ(client_->Delete("/api/v1/tasks/" + first)->status, 204);
}

TEST_F(ApiSecurityTest, ForeignHostIsRefusedLoopbackNamesPass) {
  auto refused = client_->Get("/api/v1/health", {{"Host", "evil.example"}});
  expect_error(refused, 421, "host_not_allowed");
  EXPECT_NE(refused->body.find("--allowed-hosts"), std::string::npos) << refused->body;
  auto page = client_->Get("/", {{"Host", "evil.example:" + std::to_string(server_->port())}});
  expect_error(page, 421, "host_not_allowed");
  for (std::string name : {"localhost", "127.0.0.1", "[::1]"}) {
    auto res =
        client_->Get("/api/v1/health", {{"Host", name + ":" + std::to_string(server_->port())}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 200) << name << ": " << res->body;
  }
}

TEST_F(ApiSecurityTest, ErrorBodiesShowNoServerPath) {
  // Uploads stage in <data>/uploads; a file in its place makes the create fail inside the server.
  auto uploads = server_->data_dir() / "uploads";
  std::filesystem::remove_all(uploads);
  std::ofstream(uploads) << "not a folder";
  auto res = create_task(*client_, "shapes.zip", shapes_zip(scratch_.path()));
  ASSERT_TRUE(res);
  EXPECT_GE(res->status, 400) << res->body;
  expect_no_server_path(res->body);
  if (res->status == 500) {
    EXPECT_FALSE(nlohmann::json::parse(res->body)["error"].value("error_id", "").empty());
  }
  std::filesystem::remove(uploads);
  std::filesystem::create_directories(uploads);
  std::vector<httplib::Result> answers;
  answers.push_back(create_task(*client_, "x.zip", "not a zip"));
  answers.push_back(create_task(*client_, "/etc/passwd", "a,b\n1,2\n"));
  answers.push_back(
      create_task(*client_, "shapes.zip", shapes_zip(scratch_.path()), {{"options", "{not json"}}));
  answers.push_back(client_->Get("/api/v1/tasks/nope/model"));
  answers.push_back(client_->Post("/api/v1/tasks/nope/predict", "x", "text/plain"));
  for (const auto& bad : answers) {
    ASSERT_TRUE(bad);
    EXPECT_GE(bad->status, 400) << bad->body;
    expect_no_server_path(bad->body);
  }
}

class ApiAllowedOriginsTest : public ApiTest {
 protected:
  void SetUp() override {
    start_server({"--allowed-origins", "http://app.example", "--allowed-hosts", "*"});
  }
};

TEST_F(ApiAllowedOriginsTest, ConfiguredOriginsAndHostsPass) {
  auto any_host = client_->Get("/api/v1/health", {{"Host", "trainbox.lan:8080"}});
  ASSERT_TRUE(any_host);
  EXPECT_EQ(any_host->status, 200);
  auto allowed = client_->Post("/api/v1/tasks/nope/cancel", {{"Origin", "http://app.example"}}, "",
                               "text/plain");
  expect_error(allowed, 404, "task_not_found");
  auto other = client_->Post("/api/v1/tasks/nope/cancel", {{"Origin", "http://evil.example"}}, "",
                             "text/plain");
  expect_error(other, 403, "origin_not_allowed");
}

}  // namespace
}  // namespace trainbox::testing
