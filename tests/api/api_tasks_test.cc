// A task's life over HTTP: create, follow (GET and event stream), list, predict, download,
// the validation items behind the confusion matrix, cancel, delete.

#include <thread>

#include "bench/sentences.h"
#include "tests/api/api_fixture.h"
#include "tests/support/json_schema.h"

namespace trainbox::testing {
namespace {

class ApiTasksTest : public ApiTest {
 protected:
  void SetUp() override { start_server(); }
};

// Reads the event stream of a task until it ends; returns the statuses in order.
std::vector<std::string> follow_events(int port, const std::string& id) {
  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(120);
  std::vector<std::string> statuses;
  std::string buffer;
  client.Get("/api/v1/tasks/" + id + "/events", [&](const char* data, size_t size) {
    buffer.append(data, size);
    for (size_t end; (end = buffer.find("\n\n")) != std::string::npos;) {
      std::string event = buffer.substr(0, end);
      buffer.erase(0, end + 2);
      auto data_at = event.find("data: ");
      if (data_at == std::string::npos) continue;
      auto task = nlohmann::json::parse(event.substr(data_at + 6), nullptr, false);
      if (!task.is_object()) continue;
      std::string status = task.value("status", "");
      if (statuses.empty() || statuses.back() != status) statuses.push_back(status);
    }
    return true;
  });
  return statuses;
}

TEST_F(ApiTasksTest, TaskRunsToCompletionSeenThroughGetAndEvents) {
  nlohmann::json created = create_ok(R"({"epochs": 2, "seed": 7})");
  std::string id = created["id"];
  EXPECT_EQ(created["status"], "QUEUED");
  EXPECT_EQ(created["kind"], "image");
  EXPECT_EQ(created["options"]["epochs"], 2);
  std::vector<std::string> streamed;
  std::thread follower([&] { streamed = follow_events(server_->port(), id); });
  nlohmann::json done = wait_status(id, "COMPLETED");
  follower.join();
  ASSERT_EQ(done["status"], "COMPLETED") << done.dump(2);
  EXPECT_TRUE(done["error"].is_null());
  EXPECT_EQ(done["classes"].size(), 3u);
  EXPECT_EQ(done["dataset"]["num_items"], 36);
  EXPECT_TRUE(done["metrics"].contains("val_accuracy"));
  EXPECT_FALSE(done["started_at"].is_null());
  EXPECT_FALSE(done["finished_at"].is_null());
  ASSERT_FALSE(streamed.empty());
  EXPECT_EQ(streamed.back(), "COMPLETED");
  EXPECT_NE(std::find(streamed.begin(), streamed.end(), "RUNNING"), streamed.end());

  auto list = client_->Get("/api/v1/tasks?limit=10");
  ASSERT_TRUE(list);
  auto page = nlohmann::json::parse(list->body);
  EXPECT_EQ(page["total"], 1);
  EXPECT_EQ(page["tasks"][0]["id"], id);

  auto model = client_->Get("/api/v1/tasks/" + id + "/model");
  ASSERT_TRUE(model);
  EXPECT_EQ(model->status, 200);
  EXPECT_EQ(model->get_header_value("Content-Type"), "application/zip");
  EXPECT_EQ(model->body.substr(0, 2), "PK");

  auto image = ml::testing::shape_files(3, 1, 32, "", 99);
  httplib::MultipartFormDataItems files;
  for (const auto& [name, bytes] : image) files.push_back({"file", bytes, name, "image/png"});
  auto predicted = client_->Post("/api/v1/tasks/" + id + "/predict?top_k=2", files);
  ASSERT_TRUE(predicted);
  ASSERT_EQ(predicted->status, 200) << predicted->body;
  auto predictions = nlohmann::json::parse(predicted->body)["predictions"];
  ASSERT_EQ(predictions.size(), 3u);
  for (const auto& prediction : predictions) EXPECT_EQ(prediction["top"].size(), 2u);
  expect_error(
      client_->Post("/api/v1/tasks/" + id + "/predict", R"({"texts":["x"]})", "application/json"),
      415, "unsupported_media_type");
  expect_error(client_->Post("/api/v1/tasks/" + id + "/cancel", "", "text/plain"), 409,
               "task_finished");
}

TEST_F(ApiTasksTest, CancelStopsARunningTaskWithinFiveSeconds) {
  nlohmann::json created = create_ok(R"({"epochs": 500, "time_budget_s": 600})");
  std::string id = created["id"];
  nlohmann::json running = wait_for_task(
      *client_, id,
      [](const nlohmann::json& task) {
        return is_terminal_status(task) || task["progress"].value("phase", "") == "training";
      },
      std::chrono::seconds(60));
  ASSERT_EQ(running["status"], "RUNNING") << running.dump(2);
  auto asked = std::chrono::steady_clock::now();
  auto cancel = client_->Post("/api/v1/tasks/" + id + "/cancel", "", "text/plain");
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->status, 202);
  nlohmann::json ended = wait_status(id, "CANCELLED", 10);
  auto took = std::chrono::steady_clock::now() - asked;
  EXPECT_EQ(ended["status"], "CANCELLED") << ended.dump(2);
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_TRUE(child_pids(server_->pid()).empty());
  expect_error(client_->Get("/api/v1/tasks/" + id + "/model"), 409, "task_not_completed");
}

TEST_F(ApiTasksTest, QueuedTaskIsCancelledAtOnce) {
  nlohmann::json first = create_ok(R"({"epochs": 500, "time_budget_s": 600})");
  nlohmann::json second = create_ok();
  auto cancel = client_->Post("/api/v1/tasks/" + second["id"].get<std::string>() + "/cancel", "",
                              "text/plain");
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->status, 202);
  EXPECT_EQ(nlohmann::json::parse(cancel->body)["status"], "CANCELLED");
  ASSERT_EQ(client_->Delete("/api/v1/tasks/" + first["id"].get<std::string>())->status, 204);
}

TEST_F(ApiTasksTest, DeleteRemovesRowAndBlobsAndKeepsOthers) {
  nlohmann::json kept = create_ok();
  nlohmann::json gone = create_ok();
  std::string kept_id = kept["id"], gone_id = gone["id"];
  wait_status(kept_id, "COMPLETED");
  wait_status(gone_id, "COMPLETED");
  auto blobs = server_->data_dir() / "blobs" / "tasks";
  ASSERT_TRUE(std::filesystem::exists(blobs / gone_id));
  auto removed = client_->Delete("/api/v1/tasks/" + gone_id);
  ASSERT_TRUE(removed);
  EXPECT_EQ(removed->status, 204);
  expect_error(client_->Get("/api/v1/tasks/" + gone_id), 404, "task_not_found");
  EXPECT_FALSE(std::filesystem::exists(blobs / gone_id));
  EXPECT_TRUE(std::filesystem::exists(blobs / kept_id / "model.zip"));
  EXPECT_EQ(client_->Get("/api/v1/tasks/" + kept_id + "/model")->status, 200);
}

TEST_F(ApiTasksTest, ManyEventStreamsDoNotBlockTheServer) {
  nlohmann::json task = create_ok(R"({"epochs": 500, "time_budget_s": 600})");
  std::string id = task["id"];
  std::vector<std::thread> threads;
  std::atomic<int> events{0};
  for (int i = 0; i < 20; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client client("127.0.0.1", server_->port());
      client.set_read_timeout(60);
      client.Get("/api/v1/tasks/" + id + "/events", [&](const char*, size_t) {
        ++events;
        return true;
      });
      (void)i;
    });
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (events.load() < 20 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto started = std::chrono::steady_clock::now();
  auto health = client_->Get("/api/v1/health");
  auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_LT(took, std::chrono::seconds(1));
  EXPECT_GE(events.load(), 20);
  ASSERT_EQ(client_->Delete("/api/v1/tasks/" + id)->status, 204);  // ends every stream
  for (auto& thread : threads) thread.join();
}

TEST_F(ApiTasksTest, HealthAndStatusStayFastWhileTraining) {
  nlohmann::json task = create_ok(R"({"epochs": 500, "time_budget_s": 600})");
  std::string id = task["id"];
  wait_for_task(
      *client_, id,
      [](const nlohmann::json& t) {
        return is_terminal_status(t) || t["progress"].value("phase", "") == "training";
      },
      std::chrono::seconds(60));
  std::vector<double> millis;
  for (int i = 0; i < 20; ++i) {
    for (const std::string& path :
         std::vector<std::string>{"/api/v1/health", "/api/v1/tasks/" + id}) {
      auto started = std::chrono::steady_clock::now();
      auto res = client_->Get(path);
      millis.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
              .count());
      ASSERT_TRUE(res);
      EXPECT_EQ(res->status, 200);
    }
  }
  std::sort(millis.begin(), millis.end());
  // Generous bounds for a loaded 2-core CI machine; bench/ records the real figures.
  EXPECT_LT(millis[millis.size() / 2], 100.0);
  EXPECT_LT(millis.back(), 1000.0);
  ASSERT_EQ(client_->Post("/api/v1/tasks/" + id + "/cancel", "", "text/plain")->status, 202);
}

std::string base64_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    if (c == '=') break;
    int v = value(c);
    if (v < 0) return {};
    bits = (bits << 6) | static_cast<uint32_t>(v);
    if ((count += 6) >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  return out;
}

uint32_t big_endian32(const std::string& bytes, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(bytes[at + i]);
  return v;
}

// GET /validation of a COMPLETED task: the items agree with the task's confusion matrix, cell by
// cell, and each carries what the page shows (a <= 64 px PNG thumbnail, or the text).
void check_validation(httplib::Client& client, const nlohmann::json& task) {
  std::string id = task["id"];
  auto res = client.Get("/api/v1/tasks/" + id + "/validation");
  EXPECT_TRUE(res);
  if (!res) return;
  EXPECT_EQ(res->status, 200) << res->body.substr(0, 500);
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  auto validation = nlohmann::json::parse(res->body, nullptr, false);
  EXPECT_TRUE(validation.is_object()) << res->body.substr(0, 500);
  if (!validation.is_object()) return;
  EXPECT_EQ(validation["kind"], task["kind"]);
  EXPECT_EQ(validation["classes"], task["classes"]);
  const auto& matrix = task["metrics"]["confusion_matrix"];
  size_t n = task["classes"].size();
  EXPECT_EQ(matrix.size(), n);
  std::vector<std::vector<int>> counts(n, std::vector<int>(n, 0));
  int total = 0;
  for (const auto& row : matrix) {
    for (const auto& v : row) total += v.get<int>();
  }
  const auto& items = validation["items"];
  EXPECT_TRUE(items.is_array());
  EXPECT_FALSE(items.empty());
  bool image = task["kind"] == "image";
  for (const auto& item : items) {
    int label = item.value("label", -1), predicted = item.value("predicted", -1);
    EXPECT_TRUE(label >= 0 && label < static_cast<int>(n)) << item.dump();
    EXPECT_TRUE(predicted >= 0 && predicted < static_cast<int>(n)) << item.dump();
    if (label < 0 || predicted < 0 || label >= static_cast<int>(n) ||
        predicted >= static_cast<int>(n)) {
      continue;
    }
    ++counts[label][predicted];
    double score = item.value("score", -1.0);
    EXPECT_GE(score, 0.0);
    EXPECT_LE(score, 1.0 + 1e-6);
    const auto& top = item["top"];
    EXPECT_TRUE(top.is_array() && !top.empty() && top.size() <= 3) << item["top"].dump();
    if (top.is_array() && !top.empty()) {
      EXPECT_NEAR(top[0]["score"].get<double>(), score, 1e-4) << item["top"].dump();
      if (top[0]["label"] != task["classes"][predicted]) {  // only a tie may put another first
        EXPECT_NEAR(top[0]["score"].get<double>(), score, 1e-9) << item["top"].dump();
      }
    }
    if (image) {
      EXPECT_FALSE(item.value("name", "").empty()) << item.dump();
      std::string thumbnail = item.value("thumbnail", "");
      const std::string prefix = "data:image/png;base64,";
      ASSERT_TRUE(thumbnail.starts_with(prefix)) << thumbnail.substr(0, 40);
      std::string png = base64_decode(std::string_view(thumbnail).substr(prefix.size()));
      ASSERT_GE(png.size(), 24u);
      EXPECT_EQ(png.substr(1, 3), "PNG");
      EXPECT_LE(big_endian32(png, 16), 64u);  // IHDR width
      EXPECT_LE(big_endian32(png, 20), 64u);  // IHDR height
    } else {
      ASSERT_TRUE(item.contains("text") && item["text"].is_string()) << item.dump();
      std::string text = item["text"];
      EXPECT_FALSE(text.empty());
      EXPECT_LE(text.size(), 300u * 4);  // at most 300 characters of UTF-8
      EXPECT_FALSE(item.contains("thumbnail"));
    }
  }
  if (validation.value("truncated", false)) {
    EXPECT_LT(static_cast<int>(items.size()), total);
    for (size_t r = 0; r < n; ++r) {
      for (size_t c = 0; c < n; ++c) EXPECT_LE(counts[r][c], matrix[r][c].get<int>());
    }
  } else {
    EXPECT_EQ(static_cast<int>(items.size()), total);
    for (size_t r = 0; r < n; ++r) {
      for (size_t c = 0; c < n; ++c) {
        EXPECT_EQ(counts[r][c], matrix[r][c].get<int>()) << "cell " << r << "," << c;
      }
    }
  }
}

TEST_F(ApiTasksTest, ValidationItemsAddUpToTheConfusionMatrix) {
  nlohmann::json image = create_ok(R"({"epochs": 2, "seed": 5})");
  std::string image_id = image["id"];
  // Checked at once: training takes seconds, so the task is still QUEUED or RUNNING.
  expect_error(client_->Get("/api/v1/tasks/" + image_id + "/validation"), 409,
               "task_not_completed");
  auto text = create_task(*client_, "topics.csv", bench::sentences_csv(3, 30));
  ASSERT_TRUE(text);
  ASSERT_EQ(text->status, 202) << text->body;
  std::string text_id = nlohmann::json::parse(text->body)["id"];

  nlohmann::json image_done = wait_status(image_id, "COMPLETED");
  ASSERT_EQ(image_done["status"], "COMPLETED") << image_done.dump(2);
  check_validation(*client_, image_done);
  nlohmann::json text_done = wait_status(text_id, "COMPLETED");
  ASSERT_EQ(text_done["status"], "COMPLETED") << text_done.dump(2);
  check_validation(*client_, text_done);

  // What the server writes (core/task_json.cc, real metrics of both kinds) is what openapi.json
  // promises.
  JsonSchema schema(load_openapi(TRAINBOX_SOURCE_TREE));
  for (const auto& done : {image_done, text_done}) {
    auto problems = schema.problems("Task", done);
    EXPECT_TRUE(problems.empty()) << nlohmann::json(problems).dump(2);
  }
  auto list = client_->Get("/api/v1/tasks");
  ASSERT_TRUE(list);
  auto list_problems = schema.problems_at(
      "/paths/~1api~1v1~1tasks/get/responses/200/content/application~1json/schema",
      nlohmann::json::parse(list->body));
  EXPECT_TRUE(list_problems.empty()) << nlohmann::json(list_problems).dump(2);

  expect_error(client_->Get("/api/v1/tasks/0123456789abcdef0123456789abcdef/validation"), 404,
               "task_not_found");
  expect_error(client_->Get("/api/v1/tasks/not-an-id/validation"), 404, "task_not_found");
  expect_error(client_->Post("/api/v1/tasks/" + image_id + "/validation", "", "text/plain"), 405,
               "method_not_allowed");
}

}  // namespace
}  // namespace trainbox::testing
