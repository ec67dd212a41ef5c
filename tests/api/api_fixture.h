#pragma once
// Shared fixture of the black-box API suites: a real `trainbox serve` on a free loopback port,
// a scratch data dir, and small generated datasets.

#include <gtest/gtest.h>

#include <csignal>
#include <cstddef>
#include <cstdio>
#include <string>

#include "ml/testing/image_fixtures.h"
#include "tests/api/raw_zip.h"
#include "tests/support/server_process.h"
#include "util/fs.h"

namespace trainbox::testing {

inline std::string shapes_zip(const std::filesystem::path& dir, int classes = 3, int per_class = 12,
                              int size = 32) {
  auto path = dir / "shapes.zip";
  ml::testing::write_zip(path, ml::testing::shape_files(classes, per_class, size));
  return read_file(path).value();
}

class ApiTest : public ::testing::Test {
 protected:
  void start_server(std::vector<std::string> extra_args = {}) {
    ::signal(SIGPIPE, SIG_IGN);  // a server may close while a test client still writes
    server_ = std::make_unique<ServerProcess>(scratch_.path() / "data", std::move(extra_args));
    ASSERT_TRUE(server_->start()) << "server did not start; see "
                                  << (scratch_.path() / "data" / "server.log");
    client_ = server_->client();
  }
  nlohmann::json create_ok(const std::string& options = R"({"epochs": 2})") {
    auto res =
        create_task(*client_, "shapes.zip", shapes_zip(scratch_.path()), {{"options", options}});
    EXPECT_TRUE(res);
    if (!res) return {};
    EXPECT_EQ(res->status, 202) << res->body;
    return nlohmann::json::parse(res->body);
  }
  nlohmann::json wait_status(const std::string& id, const std::string& status, int seconds = 120) {
    return wait_for_task(
        *client_, id,
        [&](const nlohmann::json& task) {
          return task.value("status", "") == status || is_terminal_status(task);
        },
        std::chrono::seconds(seconds));
  }
  static void expect_error(const httplib::Result& res, int status, const std::string& code) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    auto body = nlohmann::json::parse(res->body, nullptr, false);
    ASSERT_TRUE(body.is_object()) << res->body;
    EXPECT_EQ(body["error"]["code"], code) << res->body;
    EXPECT_FALSE(body["error"].value("message", "").empty()) << res->body;
  }

  // A refused upload: the status and slug at once, and nothing stored or left behind. Returns
  // the reply's body.
  std::string expect_refused(const std::string& filename, const std::string& bytes, int status,
                             const std::string& slug,
                             const std::vector<std::pair<std::string, std::string>>& fields = {}) {
    SCOPED_TRACE(filename + " -> " + slug);
    auto res = create_task(*client_, filename, bytes, fields);
    expect_error(res, status, slug);
    auto list = client_->Get("/api/v1/tasks");
    EXPECT_TRUE(list);
    if (list) {
      EXPECT_EQ(nlohmann::json::parse(list->body)["total"], 0);
    }
    EXPECT_EQ(files_under(server_->data_dir() / "blobs"), 0u);
    EXPECT_EQ(files_under(server_->data_dir() / "uploads"), 0u);
    return res ? res->body : "";
  }

  TempDir scratch_{std::filesystem::temp_directory_path(), "api-test"};
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace trainbox::testing
