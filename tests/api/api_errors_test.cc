// Every error path of the API gets the documented JSON error.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "http/routes.h"
#include "tests/api/api_fixture.h"

namespace trainbox::embedded {
std::string_view openapi_json();
}

namespace trainbox::testing {
namespace {

class ApiErrorsTest : public ApiTest {
 protected:
  void SetUp() override { start_server({"--max-upload-mb", "1"}); }
};

TEST_F(ApiErrorsTest, HealthAnswersWithVersion) {
  auto res = client_->Get("/api/v1/health");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  auto body = nlohmann::json::parse(res->body);
  EXPECT_EQ(body["status"], "ok");
  EXPECT_FALSE(body.value("version", "").empty());
}

TEST_F(ApiErrorsTest, BackbonesListsWhatTheDataDirHolds) {
  auto before = client_->Get("/api/v1/backbones");
  ASSERT_TRUE(before);
  EXPECT_EQ(before->status, 200);
  auto empty = nlohmann::json::parse(before->body);
  EXPECT_TRUE(empty["backbones"].empty());
  EXPECT_EQ(empty["builtin"], nlohmann::json({"tiny_cnn", "cnn_224"}));

  // The default folder is <data-dir>/backbones, read on each request; a JSON without its .pt is
  // not a backbone.
  auto dir = server_->data_dir() / "backbones";
  std::filesystem::create_directories(dir);
  nlohmann::json meta = {{"input_size", 224},
                         {"feature_dim", 8},
                         {"feature_gflops", 0.5},
                         {"source", {{"package", "pkg"}, {"version", "1.0"}, {"licence", "MIT"}}}};
  ASSERT_TRUE(write_file_atomic(dir / "alpha.json", meta.dump()));
  ASSERT_TRUE(write_file_atomic(dir / "alpha.pt", "not read by the listing"));
  ASSERT_TRUE(write_file_atomic(dir / "half.json", meta.dump()));
  auto after = client_->Get("/api/v1/backbones");
  ASSERT_TRUE(after);
  auto listed = nlohmann::json::parse(after->body)["backbones"];
  ASSERT_EQ(listed.size(), 1U) << listed;
  EXPECT_EQ(listed[0]["name"], "alpha");
  EXPECT_EQ(listed[0]["feature_dim"], 8);
  EXPECT_EQ(listed[0]["source"]["licence"], "MIT");
  EXPECT_EQ(after->body.find(dir.string()), std::string::npos) << "no server paths in answers";
}

TEST_F(ApiErrorsTest, UnknownRoutesAndWrongMethodsGetJsonErrors) {
  expect_error(client_->Get("/api/v1/nothing"), 404, "not_found");
  expect_error(client_->Put("/api/v1/tasks", "", "application/json"), 405, "method_not_allowed");
  expect_error(client_->Delete("/api/v1/tasks"), 405, "method_not_allowed");
  expect_error(client_->Get("/api/v1/tasks/0123456789abcdef0123456789abcdef/cancel"), 405,
               "method_not_allowed");
}

TEST_F(ApiErrorsTest, UnknownAndMalformedIdsAreNotFound) {
  for (const char* id :
       {"0123456789abcdef0123456789abcdef", "%252e%252e%252f", "x", "ABCDEF", "..%5c..%5cx"}) {
    expect_error(client_->Get(std::string("/api/v1/tasks/") + id), 404, "task_not_found");
  }
  // Decoded to a path with more segments: no route, still a JSON 404, never a file.
  expect_error(client_->Get("/api/v1/tasks/..%2f..%2fetc%2fpasswd"), 404, "not_found");
  std::string missing = "/api/v1/tasks/0123456789abcdef0123456789abcdef";
  expect_error(client_->Post(missing + "/cancel", "", "application/json"), 404, "task_not_found");
  expect_error(client_->Delete(missing), 404, "task_not_found");
  expect_error(client_->Get(missing + "/model"), 404, "task_not_found");
  expect_error(client_->Get(missing + "/events"), 404, "task_not_found");
  expect_error(client_->Post(missing + "/predict", R"({"texts":["a"]})", "application/json"), 404,
               "task_not_found");
}

TEST_F(ApiErrorsTest, CreateRefusesMissingFieldWrongTypeAndBadOptions) {
  httplib::MultipartFormDataItems no_dataset = {{"options", "{}", "", ""}};
  expect_error(client_->Post("/api/v1/tasks", no_dataset), 400, "missing_field");
  expect_error(client_->Post("/api/v1/tasks", "{}", "application/json"), 415,
               "unsupported_media_type");
  expect_error(create_task(*client_, "data.zip", "text,label\nhi,a\n"), 415,
               "unsupported_media_type");
  expect_error(create_task(*client_, "model.pt", std::string("\x80\x02\0\0", 4)), 415,
               "unsupported_media_type");
  std::string zip = shapes_zip(scratch_.path(), 2, 2, 16);
  expect_error(create_task(*client_, "a.zip", zip, {{"options", R"({"epochs": 1e9})"}}), 400,
               "invalid_option");
  expect_error(create_task(*client_, "a.zip", zip, {{"options", "not json"}}), 400,
               "invalid_options");
  expect_error(create_task(*client_, "a.zip", zip, {{"kind", "audio"}}), 400, "invalid_kind");
  expect_error(create_task(*client_, "a.zip", ""), 400, "empty_dataset");
  expect_error(client_->Get("/api/v1/tasks?limit=abc"), 400, "invalid_query");
  expect_error(client_->Get("/api/v1/tasks?limit=0"), 400, "invalid_paging");
  auto list = client_->Get("/api/v1/tasks");
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)["total"], 0);  // nothing was stored
}

// Sends the head of a request announcing `content_length` bytes and only the first part of the
// body, then reads the whole reply: an early 413 must come without the server reading the rest.
std::string send_partial(int port, const std::string& head, const std::string& body_start) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) return "";
  std::string request = head + body_start;
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string reply;
  char buffer[4096];
  for (ssize_t got; (got = ::recv(fd, buffer, sizeof buffer, 0)) > 0;) {
    reply.append(buffer, static_cast<size_t>(got));
    if (reply.find("}}") != std::string::npos) break;
  }
  ::close(fd);
  return reply;
}

TEST_F(ApiErrorsTest, OversizedUploadIs413AndLeavesNothingBehind) {
  std::string head =
      "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: 2097152\r\n\r\n";
  std::string reply = send_partial(server_->port(), head,
                                   "--XyZ\r\nContent-Disposition: form-data; name=\"dataset\"; "
                                   "filename=\"big.zip\"\r\n\r\nPK\x03\x04");
  EXPECT_EQ(reply.substr(0, 12), "HTTP/1.1 413") << reply;
  EXPECT_NE(reply.find("\"payload_too_large\""), std::string::npos) << reply;
  auto list = client_->Get("/api/v1/tasks");
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)["total"], 0);
  auto uploads = server_->data_dir() / "uploads";
  EXPECT_TRUE(std::filesystem::is_empty(uploads));
  EXPECT_EQ(client_->Get("/api/v1/health")->status, 200);
}

TEST_F(ApiErrorsTest, EveryDocumentedRouteExists) {
  auto res = client_->Get("/api/v1/openapi.json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  auto spec = nlohmann::json::parse(res->body);
  EXPECT_EQ(spec, nlohmann::json::parse(embedded::openapi_json()));
  int checked = 0;
  for (const auto& [path, item] : spec["paths"].items()) {
    std::string concrete =
        std::regex_replace(path, std::regex("\\{id\\}"), "0123456789abcdef0123456789abcdef");
    for (const auto& [method, operation] : item.items()) {
      if (method == "parameters") continue;
      httplib::Result reply = method == "get"      ? client_->Get(concrete)
                              : method == "delete" ? client_->Delete(concrete)
                                                   : client_->Post(concrete, "", "text/plain");
      ASSERT_TRUE(reply) << method << " " << path;
      auto body = nlohmann::json::parse(reply->body, nullptr, false);
      bool route_missing =
          reply->status == 404 && body.is_object() && body["error"]["code"] == "not_found";
      EXPECT_FALSE(route_missing) << method << " " << path;
      EXPECT_NE(reply->status, 405) << method << " " << path;
      ++checked;
    }
  }
  EXPECT_EQ(checked, static_cast<int>(http::routes().size()))
      << "one documented operation per route";
}

}  // namespace
}  // namespace trainbox::testing
