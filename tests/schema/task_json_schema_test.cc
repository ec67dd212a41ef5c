// core/task_json.cc's task in every state against the Task schema of src/http/openapi.json, and
// the validator itself on values that break the schema.
#include <gtest/gtest.h>

#include "core/task_json.h"
#include "tests/support/json_schema.h"

namespace trainbox::testing {
namespace {

core::Task task_in(core::TaskStatus status) {
  core::Task task;
  task.id = "0123456789abcdef0123456789abcdef";
  task.kind = core::TaskKind::kText;
  task.status = status;
  task.created_at_ms = 1'700'000'000'000;
  task.dataset_name = "topics.csv";
  task.attempts = status == core::TaskStatus::kQueued ? 0 : 1;
  if (status != core::TaskStatus::kQueued) {
    task.started_at_ms = task.created_at_ms + 1000;
    task.progress.phase = "training";
    task.progress.fraction = 0.5;
    task.progress.epoch = 2;
    task.progress.epochs = 5;
    task.dataset = {{"num_items", 12},
                    {"class_counts", {{"a", 6}, {"b", 6}}},
                    {"warnings", nlohmann::json::array()}};
    task.classes = {"a", "b"};
  }
  if (status == core::TaskStatus::kFailed) task.error = "the CSV has no text column";
  if (status == core::TaskStatus::kCompleted || status == core::TaskStatus::kFailed ||
      status == core::TaskStatus::kCancelled) {
    task.finished_at_ms = task.created_at_ms + 5000;
  }
  return task;
}

TEST(TaskJsonSchemaTest, EveryStatusFollowsTheTaskSchema) {
  JsonSchema schema(load_openapi(TRAINBOX_SOURCE_TREE));
  for (auto status :
       {core::TaskStatus::kQueued, core::TaskStatus::kRunning, core::TaskStatus::kCompleted,
        core::TaskStatus::kFailed, core::TaskStatus::kCancelled}) {
    nlohmann::json json = core::to_api_json(task_in(status));
    auto problems = schema.problems("Task", json);
    EXPECT_TRUE(problems.empty()) << json.dump(2) << "\n" << nlohmann::json(problems).dump(2);
  }
}

TEST(TaskJsonSchemaTest, TheValidatorCatchesWrongTypesEnumsAndNulls) {
  JsonSchema schema(load_openapi(TRAINBOX_SOURCE_TREE));
  nlohmann::json json = core::to_api_json(task_in(core::TaskStatus::kRunning));
  json["status"] = "SLEEPING";
  json["classes"] = {"a", 7};
  json["progress"]["fraction"] = "half";
  json["id"] = nullptr;
  auto problems = schema.problems("Task", json);
  ASSERT_EQ(problems.size(), 4U) << nlohmann::json(problems).dump(2);
  EXPECT_NE(problems[0].find("Task.classes[1]"), std::string::npos);
}

}  // namespace
}  // namespace trainbox::testing
