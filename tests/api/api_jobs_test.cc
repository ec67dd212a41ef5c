// Jobs and their results over HTTP (issue 12): concurrent first predicts on a fresh task, a model
// bundle damaged in storage, the Idempotency-Key of POST /tasks.

#include <thread>

#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {
namespace fsys = std::filesystem;

class ApiJobsTest : public ApiTest {
 protected:
  std::string completed_task() {
    nlohmann::json task = create_ok();
    std::string id = task.value("id", "");
    EXPECT_EQ(wait_status(id, "COMPLETED")["status"], "COMPLETED");
    return id;
  }
  static httplib::MultipartFormDataItems one_image() {
    httplib::MultipartFormDataItems files;
    for (const auto& [name, bytes] : ml::testing::shape_files(1, 1, 32, "", 7)) {
      files.push_back({"file", bytes, name, "image/png"});
    }
    return files;
  }
  // POST /tasks with the shapes zip, `options` and an Idempotency-Key. The zip is made once: its
  // entries carry the time they were written, so a second one may differ.
  httplib::Result create_with_key(const std::string& key, const std::string& options) {
    if (zip_.empty()) zip_ = shapes_zip(scratch_.path());
    httplib::MultipartFormDataItems items = {{"dataset", zip_, "shapes.zip", "application/zip"},
                                             {"options", options, "", ""}};
    return client_->Post("/api/v1/tasks", {{"Idempotency-Key", key}}, items);
  }
  std::string zip_;
};

TEST_F(ApiJobsTest, TwelveConcurrentFirstPredictsOnAFreshTaskAllSucceed) {
  start_server();
  std::string id = completed_task();
  std::vector<int> statuses(12, 0);
  std::vector<std::string> bodies(12);
  std::vector<std::thread> clients;
  auto files = one_image();
  for (size_t i = 0; i < statuses.size(); ++i) {
    clients.emplace_back([&, i] {
      auto client = server_->client();
      client->set_read_timeout(std::chrono::seconds(60));
      auto res = client->Post("/api/v1/tasks/" + id + "/predict", files);
      statuses[i] = res ? res->status : -1;
      bodies[i] = res ? res->body : httplib::to_string(res.error());
    });
  }
  for (auto& client : clients) client.join();
  for (size_t i = 0; i < statuses.size(); ++i) EXPECT_EQ(statuses[i], 200) << bodies[i];
}

TEST_F(ApiJobsTest, TruncatedBundleIsRefusedNeverServed) {
  start_server();
  std::string id = completed_task();
  fsys::path blob = server_->data_dir() / "blobs" / "tasks" / id / "model.zip";
  ASSERT_TRUE(fsys::exists(blob)) << blob;
  fsys::resize_file(blob, 100);  // behind the server's back

  auto model = client_->Get("/api/v1/tasks/" + id + "/model");
  expect_error(model, 409, "model_artifact_unavailable");
  EXPECT_NE(model->body.find("100 bytes instead of"), std::string::npos) << model->body;
  expect_error(client_->Post("/api/v1/tasks/" + id + "/predict", one_image()), 409,
               "model_artifact_unavailable");
  EXPECT_EQ(client_->Get("/api/v1/health")->status, 200);
}

TEST_F(ApiJobsTest, IdempotencyKeyReturnsTheFirstTaskAndRefusesAnotherBody) {
  start_server();
  auto first = create_with_key("upload-42", R"({"epochs": 2})");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 202) << first->body;
  std::string id = nlohmann::json::parse(first->body)["id"];
  auto retry = create_with_key("upload-42", R"({"epochs": 2})");
  ASSERT_TRUE(retry);
  EXPECT_EQ(retry->status, 202) << retry->body;
  EXPECT_EQ(nlohmann::json::parse(retry->body)["id"], id);
  EXPECT_EQ(retry->get_header_value("Location"), "/api/v1/tasks/" + id);

  expect_error(create_with_key("upload-42", R"({"epochs": 3})"), 422, "idempotency_key_reused");
  expect_error(create_with_key(std::string(300, 'k'), R"({"epochs": 2})"), 400,
               "invalid_idempotency_key");
  auto other = create_with_key("upload-43", R"({"epochs": 2})");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 202);
  EXPECT_NE(nlohmann::json::parse(other->body)["id"], id);
  auto list = client_->Get("/api/v1/tasks?limit=10");
  ASSERT_TRUE(list);
  EXPECT_EQ(nlohmann::json::parse(list->body)["total"], 2);
}

}  // namespace
}  // namespace trainbox::testing
