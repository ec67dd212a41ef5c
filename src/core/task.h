#pragma once
// The task: the domain object every layer talks about. No I/O here.
// Status moves QUEUED -> RUNNING -> {COMPLETED, FAILED, CANCELLED}, or QUEUED -> CANCELLED.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainbox::core {

enum class TaskStatus { kQueued, kRunning, kCompleted, kFailed, kCancelled };
enum class TaskKind { kImage, kText };

const char* to_string(TaskStatus status);
const char* to_string(TaskKind kind);
std::optional<TaskStatus> parse_task_status(std::string_view text);
std::optional<TaskKind> parse_task_kind(std::string_view text);
bool is_terminal(TaskStatus status);

struct Progress {
  std::string phase = "queued";
  double fraction = 0;
  int epoch = 0;
  int epochs = 0;
  double eta_s = -1;  // < 0: unknown
  nlohmann::json live = nlohmann::json::object();
};

struct Task {
  std::string id;
  TaskKind kind = TaskKind::kImage;
  TaskStatus status = TaskStatus::kQueued;
  int64_t created_at_ms = 0;
  int64_t started_at_ms = 0;   // 0: not yet
  int64_t finished_at_ms = 0;  // 0: not yet
  int64_t heartbeat_at_ms = 0;
  Progress progress;
  nlohmann::json options = nlohmann::json::object();
  nlohmann::json dataset = nlohmann::json::object();  // {num_items, class_counts, warnings}
  std::vector<std::string> classes;
  nlohmann::json metrics = nlohmann::json::object();
  std::optional<std::string> error;
  std::string dataset_name;  // the uploaded file's name, for display only
  std::string dataset_key;   // blob key of the uploaded dataset
  int64_t dataset_size = 0;  // its bytes, counted against the owner's storage limit
  std::string owner;         // the user who created it; "" = created without accounts
  std::string model_key;     // blob key of the bundle, once COMPLETED
  int64_t model_size = 0;    // the bundle's bytes, recorded at completion (0: not recorded)
  std::string model_sha256;  // its lowercase hex SHA-256 ("": not recorded)
  // The client's Idempotency-Key of POST /tasks ("" = none) and the SHA-256 of what it sent with
  // it (dataset, name, kind, options), so a retry is told apart from a different request.
  std::string idempotency_key;
  std::string idempotency_fingerprint;
  int attempts = 0;
  std::string worker_id;  // the worker running it (or that ran it last); empty before a claim
  bool cancel_requested = false;
  int64_t revision = 0;  // bumps on every change; followers compare it
};

// What ends a task.
struct Completion {
  TaskStatus status = TaskStatus::kCompleted;
  std::optional<std::string> error;
  nlohmann::json metrics = nlohmann::json::object();
  std::string model_key;
  int64_t model_size = 0;         // of the bundle at model_key, when COMPLETED
  std::string model_sha256 = {};  // lowercase hex
};

}  // namespace trainbox::core
