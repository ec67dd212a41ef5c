// Issue 13's acceptance on the real topology (scripts/cluster.sh): one API server with no worker,
// two `trainbox worker`s, PostgreSQL, Redis and s3rver. Tasks complete with bundles that predict
// like the API; a worker killed mid-task, a Redis restart and a PostgreSQL outage lose nothing.

#include "tests/cluster/cluster.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "bench/sentences.h"
#include "ml/testing/image_fixtures.h"
#include "tests/support/server_process.h"

namespace trainbox::testing {
namespace {
using namespace std::chrono_literals;

class ClusterTest : public ::testing::Test {
 protected:
  void start(int lease_timeout_s) {
    ::signal(SIGPIPE, SIG_IGN);
    cluster_ = std::make_unique<Cluster>(lease_timeout_s);
    ASSERT_TRUE(cluster_->up()) << "see " << (cluster_->dir() / "cluster-up.log");
    client_ = cluster_->client();
  }
  std::string submit(const std::string& filename, const std::string& content,
                     const std::string& options) {
    auto res = create_task(*client_, filename, content, {{"options", options}});
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 202) << res->body;
    return nlohmann::json::parse(res->body).value("id", "");
  }
  std::string submit_image(int classes, uint32_t seed, const std::string& options) {
    auto files = ml::testing::shape_files(classes, 12, 32, "", seed);
    auto zip = cluster_->dir() / ("shapes" + std::to_string(seed) + ".zip");
    ml::testing::write_zip(zip, files);
    return submit(zip.filename().string(), read_file(zip).value(), options);
  }
  std::string submit_text(int classes, uint32_t seed) {
    return submit("topics.csv", bench::sentences_csv(classes, 40, seed), "{}");
  }
  nlohmann::json wait_done(const std::string& id, std::chrono::seconds timeout = 240s) {
    return wait_for_task(*client_, id, is_terminal_status, timeout);
  }
  nlohmann::json get(const std::string& id) {
    auto res = client_->Get("/api/v1/tasks/" + id);
    return res && res->status == 200 ? nlohmann::json::parse(res->body) : nlohmann::json();
  }
  std::string bundle_of(const std::string& id) {
    auto res = client_->Get("/api/v1/tasks/" + id + "/model");
    return res && res->status == 200 ? res->body : "";
  }
  void expect_api_predicts_like_bundle(const nlohmann::json& task);
  // POST .../predict with a few inputs; appends the same inputs to the `trainbox predict` command.
  httplib::Result predict_texts(const std::string& id, std::string& command);
  httplib::Result predict_images(const nlohmann::json& task, std::string& command);
  void expect_nothing_running() {
    auto res = client_->Get("/api/v1/tasks?limit=100");
    ASSERT_TRUE(res);
    for (const auto& task : nlohmann::json::parse(res->body)["tasks"]) {
      EXPECT_TRUE(is_terminal_status(task)) << task.dump();
    }
  }

  std::unique_ptr<Cluster> cluster_;
  std::unique_ptr<httplib::Client> client_;
};

httplib::Result ClusterTest::predict_texts(const std::string& id, std::string& command) {
  std::vector<std::string> texts = {"the striker scored in the league match",
                                    "shares of the bank fell after weak earnings"};
  for (const auto& text : texts) command += " --text '" + text + "'";
  return client_->Post("/api/v1/tasks/" + id + "/predict",
                       nlohmann::json({{"texts", texts}}).dump(), "application/json");
}

httplib::Result ClusterTest::predict_images(const nlohmann::json& task, std::string& command) {
  std::string id = task["id"];
  httplib::MultipartFormDataItems files;
  auto images = ml::testing::shape_files(static_cast<int>(task["classes"].size()), 2, 32, "", 99);
  for (size_t i = 0; i < images.size(); ++i) {
    auto path = cluster_->dir() / (id + "-" + std::to_string(i) + ".png");
    EXPECT_TRUE(write_file_atomic(path, images[i].second));
    files.push_back({"file", images[i].second, path.filename().string(), "image/png"});
    command += " " + path.string();
  }
  return client_->Post("/api/v1/tasks/" + id + "/predict", files);
}

void ClusterTest::expect_api_predicts_like_bundle(const nlohmann::json& task) {
  std::string id = task["id"];
  auto bundle = cluster_->dir() / (id + ".zip");
  ASSERT_TRUE(write_file_atomic(bundle, bundle_of(id)));
  std::string command = trainbox_binary().string() + " predict --json " + bundle.string();
  auto api = task["kind"] == "text" ? predict_texts(id, command) : predict_images(task, command);
  ASSERT_TRUE(api);
  ASSERT_EQ(api->status, 200) << api->body;
  auto from_api = nlohmann::json::parse(api->body)["predictions"];
  auto from_bundle = nlohmann::json::parse(run_and_capture(command), nullptr, false);
  ASSERT_TRUE(from_bundle.is_object()) << command;
  ASSERT_EQ(from_api.size(), from_bundle["predictions"].size());
  for (size_t i = 0; i < from_api.size(); ++i) {
    EXPECT_EQ(from_api[i]["label"], from_bundle["predictions"][i]["label"]) << id << " #" << i;
    EXPECT_NEAR(from_api[i]["score"].get<double>(),
                from_bundle["predictions"][i]["score"].get<double>(), 1e-4);
  }
}

TEST_F(ClusterTest, SixTasksCompleteOnBothWorkersAndPredictLikeTheirBundles) {
  ASSERT_NO_FATAL_FAILURE(start(/*lease_timeout_s=*/10));
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.push_back(submit_image(2 + i, 10 + i, R"({"epochs": 2})"));
    ids.push_back(submit_text(2 + i, 20 + i));
  }
  std::set<std::string> workers;
  for (const auto& id : ids) {
    nlohmann::json done = wait_done(id);
    ASSERT_EQ(done["status"], "COMPLETED") << done.dump(2);
    EXPECT_EQ(done["attempts"], 1);
    workers.insert(done["worker_id"].get<std::string>());
    expect_api_predicts_like_bundle(done);
  }
  EXPECT_EQ(workers, (std::set<std::string>{"worker-1", "worker-2"}));
}

TEST_F(ClusterTest, AWorkerKilledMidTaskLosesNothing) {
  ASSERT_NO_FATAL_FAILURE(start(/*lease_timeout_s=*/3));
  std::string earlier = submit_image(3, 1, R"({"epochs": 2})");
  nlohmann::json earlier_done = wait_done(earlier);
  ASSERT_EQ(earlier_done["status"], "COMPLETED") << earlier_done.dump(2);
  std::string earlier_bundle = bundle_of(earlier);

  std::string id =
      submit_image(3, 2, R"({"backbone": "tiny_cnn", "epochs": 400, "time_budget_s": 12})");
  nlohmann::json running = wait_for_task(
      *client_, id,
      [](const nlohmann::json& task) {
        return task["progress"]["phase"] == "training" || is_terminal_status(task);
      },
      120s);
  ASSERT_EQ(running["status"], "RUNNING") << running.dump(2);
  std::string victim = running["worker_id"];
  pid_t pid = cluster_->worker_pid(victim);
  ASSERT_GT(pid, 0) << victim;
  ASSERT_EQ(::kill(pid, SIGKILL), 0);

  nlohmann::json done = wait_done(id, 180s);
  EXPECT_EQ(done["status"], "COMPLETED") << done.dump(2);
  EXPECT_EQ(done["attempts"], 2);
  EXPECT_NE(done["worker_id"], victim);
  nlohmann::json earlier_after = get(earlier);
  EXPECT_EQ(earlier_after, earlier_done) << "another task's row changed";
  EXPECT_EQ(bundle_of(earlier), earlier_bundle) << "another task's bundle changed";
  expect_nothing_running();
}

TEST_F(ClusterTest, ARedisRestartAndAPostgresOutageLoseNothing) {
  ASSERT_NO_FATAL_FAILURE(
      start(/*lease_timeout_s=*/20));  // longer than the outage: running tasks keep their lease
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(submit_image(2, 30 + i, R"({"epochs": 2})"));
  ASSERT_TRUE(cluster_->run("restart-redis"));  // the queued deliveries are gone with it
  for (int i = 0; i < 2; ++i) ids.push_back(submit_text(2, 40 + i));

  ASSERT_TRUE(cluster_->run("pause-postgres"));
  auto paused_at = std::chrono::steady_clock::now();
  auto during = client_->Get("/api/v1/tasks/" + ids[0]);
  ASSERT_TRUE(during);
  EXPECT_EQ(during->status, 503) << during->body;
  EXPECT_NE(during->body.find("database_unavailable"), std::string::npos) << during->body;
  std::this_thread::sleep_until(paused_at + 5s);
  ASSERT_TRUE(cluster_->run("resume-postgres"));
  auto recovered = wait_for_task(
      *client_, ids[0], [](const nlohmann::json& task) { return task.contains("status"); }, 30s);
  EXPECT_TRUE(recovered.contains("status")) << "the API did not recover after the outage";

  for (const auto& id : ids) {
    nlohmann::json done = wait_done(id);
    EXPECT_EQ(done["status"], "COMPLETED") << done.dump(2);
  }
  expect_nothing_running();
}

}  // namespace
}  // namespace trainbox::testing
