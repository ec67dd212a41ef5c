#pragma once
// TaskStore: the single source of truth for tasks. Every state change is one conditional write,
// so two workers (or a worker and the reaper) can never both move the same task.
// Implementations are safe for concurrent use from many threads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.h"
#include "util/result.h"

namespace trainbox::db {

struct TaskPage {
  std::vector<core::Task> tasks;  // newest first
  int64_t total = 0;
};

// What one owner holds, for the per-user limits.
struct OwnerUsage {
  int64_t active_tasks = 0;  // QUEUED or RUNNING
  int64_t stored_bytes = 0;  // uploads and bundles of every task it still has
};

class TaskStore {
 public:
  virtual ~TaskStore() = default;

  // Stores a new task; kConflict "task_exists" if the id exists, kConflict
  // "idempotency_key_taken" if another task holds its (non-empty) idempotency_key. Durable when
  // it returns.
  virtual Status insert(const core::Task& task) = 0;
  virtual Result<core::Task> get(std::string_view id) = 0;  // kNotFound
  // The task holding this (non-empty) Idempotency-Key; kNotFound if none does.
  virtual Result<core::Task> find_by_idempotency_key(std::string_view key) = 0;
  // Frees `key` from the task holding it if that task was created before `created_before_ms`
  // (keys are honoured for a day). True if a task gave it up.
  virtual Result<bool> release_idempotency_key(std::string_view key, int64_t created_before_ms) = 0;
  // Newest first; `owner` = only that owner's tasks (and total), nullopt = every task.
  virtual Result<TaskPage> list(int limit, int offset, const std::optional<std::string>& owner) = 0;
  virtual Result<OwnerUsage> usage(std::string_view owner) = 0;
  // Ids with this status, oldest first (used to re-enqueue QUEUED tasks at start-up).
  virtual Result<std::vector<std::string>> ids_with_status(core::TaskStatus status) = 0;

  // QUEUED -> RUNNING by `worker_id` (attempts + 1, started_at, heartbeat). False if the task was
  // not QUEUED.
  virtual Result<bool> claim(std::string_view id, int64_t now_ms, std::string_view worker_id) = 0;
  // RUNNING -> QUEUED for another attempt, if its heartbeat is still older than
  // `heartbeat_before_ms` (the worker died). False if the task moved meanwhile.
  virtual Result<bool> requeue_stale(std::string_view id, int64_t heartbeat_before_ms) = 0;
  // RUNNING by `worker_id` -> QUEUED, the attempt not counted (a worker stopping hands its task
  // back). False if the task is not RUNNING on that worker.
  virtual Result<bool> release(std::string_view id, std::string_view worker_id) = 0;
  // Progress and heartbeat of a RUNNING task; a no-op for any other status.
  virtual Status record_progress(std::string_view id, const core::Progress& progress,
                                 int64_t now_ms) = 0;
  virtual Status heartbeat(std::string_view id, int64_t now_ms) = 0;
  // Dataset summary and class names of a RUNNING task.
  virtual Status record_dataset(std::string_view id, const nlohmann::json& dataset,
                                const std::vector<std::string>& classes) = 0;
  // QUEUED|RUNNING -> a terminal status (with the bundle's key, size and SHA-256 when
  // COMPLETED). False if the task had already ended.
  virtual Result<bool> finish(std::string_view id, const core::Completion& completion,
                              int64_t now_ms) = 0;
  // QUEUED -> CANCELLED at once; RUNNING -> cancel_requested = true. Returns the task after it.
  virtual Result<core::Task> request_cancel(std::string_view id, int64_t now_ms) = 0;
  // RUNNING tasks whose heartbeat is older than `heartbeat_before_ms`.
  virtual Result<std::vector<std::string>> stale_running(int64_t heartbeat_before_ms) = 0;
  virtual Status remove(std::string_view id) = 0;  // kNotFound if absent
};

// "sqlite:///abs/path/trainbox.db" (or "sqlite://relative.db", or ":memory:" via
// sqlite://:memory:); "postgresql://user:pass@host:port/db".
Result<std::unique_ptr<TaskStore>> open_task_store(std::string_view url);

}  // namespace trainbox::db
