#include "core/task.h"

#include <gtest/gtest.h>

#include "core/task_json.h"

namespace trainbox::core {

TEST(Task, StatusNamesRoundTrip) {
  for (auto status : {TaskStatus::kQueued, TaskStatus::kRunning, TaskStatus::kCompleted,
                      TaskStatus::kFailed, TaskStatus::kCancelled}) {
    EXPECT_EQ(parse_task_status(to_string(status)), status);
  }
  EXPECT_FALSE(parse_task_status("succeeded"));
  EXPECT_FALSE(is_terminal(TaskStatus::kRunning));
  EXPECT_TRUE(is_terminal(TaskStatus::kCancelled));
}

TEST(Task, ApiJsonHasTheDocumentedShapeAndHidesInternals) {
  Task task;
  task.id = "0123456789abcdef0123456789abcdef";
  task.created_at_ms = 1'700'000'000'000;
  task.dataset_key = "tasks/x/dataset.zip";
  task.error = "boom";
  nlohmann::json json = to_api_json(task);
  for (const char* key : {"id", "kind", "status", "created_at", "started_at", "finished_at",
                          "progress", "dataset", "classes", "metrics", "error"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["status"], "QUEUED");
  EXPECT_TRUE(json["started_at"].is_null());
  EXPECT_EQ(json["error"], "boom");
  EXPECT_EQ(json.dump().find("dataset.zip"), std::string::npos);
  for (const char* key : {"phase", "fraction", "epoch", "epochs", "eta_s"}) {
    EXPECT_TRUE(json["progress"].contains(key)) << key;
  }
}

TEST(Task, ProgressRoundTripsThroughJson) {
  Progress progress;
  progress.phase = "training";
  progress.fraction = 0.5;
  progress.epoch = 2;
  progress.epochs = 4;
  progress.eta_s = 12.5;
  progress.live = {{"loss", 0.25}};
  Progress back = progress_from_json(to_json(progress));
  EXPECT_EQ(back.phase, "training");
  EXPECT_EQ(back.epoch, 2);
  EXPECT_DOUBLE_EQ(back.eta_s, 12.5);
  EXPECT_EQ(back.live["loss"], 0.25);
}

}  // namespace trainbox::core
