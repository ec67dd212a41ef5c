// Faults: the training child or the whole server killed mid-task.

#include <signal.h>

#include <thread>

#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {

class ApiFaultsTest : public ApiTest {};

nlohmann::json wait_training(httplib::Client& client, const std::string& id) {
  return wait_for_task(
      client, id,
      [](const nlohmann::json& task) {
        return is_terminal_status(task) || task["progress"].value("phase", "") == "training";
      },
      std::chrono::seconds(60));
}

TEST_F(ApiFaultsTest, KilledTrainingChildFailsTheTaskNamingTheSignal) {
  start_server();
  nlohmann::json task = create_ok(R"({"epochs": 500, "time_budget_s": 600})");
  std::string id = task["id"];
  ASSERT_EQ(wait_training(*client_, id)["status"], "RUNNING");
  auto children = child_pids(server_->pid());
  ASSERT_EQ(children.size(), 1u);
  ASSERT_EQ(::kill(children[0], SIGKILL), 0);
  nlohmann::json failed = wait_status(id, "FAILED", 30);
  EXPECT_EQ(failed["status"], "FAILED");
  EXPECT_NE(failed["error"].get<std::string>().find("SIGKILL"), std::string::npos)
      << failed["error"];
  EXPECT_EQ(client_->Get("/api/v1/health")->status, 200);
}

TEST_F(ApiFaultsTest, ServerKilledMidTaskLeavesNothingRunningAfterRestart) {
  // One attempt: the restarted server fails the interrupted task instead of training it again.
  start_server({"--lease-timeout-s", "2", "--max-attempts", "1"});
  nlohmann::json done = create_ok();
  std::string done_id = done["id"];
  ASSERT_EQ(wait_status(done_id, "COMPLETED")["status"], "COMPLETED");
  auto model_before = client_->Get("/api/v1/tasks/" + done_id + "/model")->body;

  nlohmann::json task = create_ok(R"({"epochs": 500, "time_budget_s": 600})");
  std::string id = task["id"];
  ASSERT_EQ(wait_training(*client_, id)["status"], "RUNNING");
  pid_t child = child_pids(server_->pid()).at(0);
  server_->kill_hard();
  for (int i = 0; i < 50 && ::kill(child, 0) == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_NE(::kill(child, 0), 0) << "the training child outlived its server";

  ASSERT_TRUE(server_->start());
  client_ = server_->client();
  nlohmann::json after = wait_for_task(*client_, id, is_terminal_status, std::chrono::seconds(30));
  EXPECT_EQ(after["status"], "FAILED") << after.dump(2);
  EXPECT_NE(after["error"].get<std::string>().find("interrupted"), std::string::npos);
  auto kept = client_->Get("/api/v1/tasks/" + done_id);
  ASSERT_EQ(kept->status, 200);
  EXPECT_EQ(nlohmann::json::parse(kept->body)["status"], "COMPLETED");
  EXPECT_EQ(client_->Get("/api/v1/tasks/" + done_id + "/model")->body, model_before);
}

TEST_F(ApiFaultsTest, QueuedTasksSurviveARestart) {
  start_server();
  nlohmann::json blocker = create_ok(R"({"epochs": 500, "time_budget_s": 600})");
  nlohmann::json waiting = create_ok();
  ASSERT_EQ(wait_training(*client_, blocker["id"])["status"], "RUNNING");
  server_->kill_hard();
  ASSERT_TRUE(server_->start());
  client_ = server_->client();
  ASSERT_EQ(
      client_
          ->Post("/api/v1/tasks/" + blocker["id"].get<std::string>() + "/cancel", "", "text/plain")
          ->status,
      202);
  nlohmann::json after = wait_status(waiting["id"], "COMPLETED");
  EXPECT_EQ(after["status"], "COMPLETED") << after.dump(2);
}

}  // namespace
}  // namespace trainbox::testing
