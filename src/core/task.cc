#include "core/task.h"

namespace trainbox::core {

const char* to_string(TaskStatus status) {
  switch (status) {
    case TaskStatus::kQueued:
      return "QUEUED";
    case TaskStatus::kRunning:
      return "RUNNING";
    case TaskStatus::kCompleted:
      return "COMPLETED";
    case TaskStatus::kFailed:
      return "FAILED";
    case TaskStatus::kCancelled:
      return "CANCELLED";
  }
  return "FAILED";
}

const char* to_string(TaskKind kind) { return kind == TaskKind::kText ? "text" : "image"; }

std::optional<TaskStatus> parse_task_status(std::string_view text) {
  for (auto status : {TaskStatus::kQueued, TaskStatus::kRunning, TaskStatus::kCompleted,
                      TaskStatus::kFailed, TaskStatus::kCancelled}) {
    if (text == to_string(status)) return status;
  }
  return std::nullopt;
}

std::optional<TaskKind> parse_task_kind(std::string_view text) {
  if (text == "image") return TaskKind::kImage;
  if (text == "text") return TaskKind::kText;
  return std::nullopt;
}

bool is_terminal(TaskStatus status) {
  return status == TaskStatus::kCompleted || status == TaskStatus::kFailed ||
         status == TaskStatus::kCancelled;
}

}  // namespace trainbox::core
