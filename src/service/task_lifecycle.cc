// The worker-facing half of TaskService: claim, progress, heartbeat, completion, and the
// housekeeping that keeps the promise "no task stays RUNNING forever".

#include <fmt/format.h>

#include "service/task_service.h"
#include "util/log.h"
#include "util/sha256.h"

namespace trainbox::service {
using core::TaskStatus;

Result<bool> TaskService::claim(std::string_view id) {
  auto claimed = store_.claim(id, clock_.now_ms(), config_.worker_id);
  if (claimed && *claimed) events_.notify();
  return claimed;
}

Status TaskService::fetch_dataset(const core::Task& task,
                                  const std::filesystem::path& destination) {
  return blobs_.get_file(task.dataset_key, destination);
}

Status TaskService::record_progress(std::string_view id, const core::Progress& progress) {
  TRAINBOX_TRY(store_.record_progress(id, progress, clock_.now_ms()));
  events_.notify();
  return {};
}

Status TaskService::record_dataset(std::string_view id, const nlohmann::json& dataset,
                                   const std::vector<std::string>& classes) {
  TRAINBOX_TRY(store_.record_dataset(id, dataset, classes));
  events_.notify();
  return {};
}

Status TaskService::heartbeat(std::string_view id) { return store_.heartbeat(id, clock_.now_ms()); }

namespace {
bool running_on(const core::Task& task, const std::string& worker_id) {
  return task.status == TaskStatus::kRunning && task.worker_id == worker_id;
}
}  // namespace

bool TaskService::should_stop(std::string_view id) {
  auto task = store_.get(id);
  if (!task) return task.error().code == ErrorCode::kNotFound;  // deleted: stop
  // Not RUNNING here any more: a reaper re-queued it after a lost lease (another worker may run
  // it now), so this run must stop without writing anything.
  return task->cancel_requested || !running_on(*task, config_.worker_id);
}

bool TaskService::runs_here(std::string_view id) {
  auto task = store_.get(id);
  return task && running_on(*task, config_.worker_id);
}

Status TaskService::complete(std::string_view id, const std::filesystem::path& bundle,
                             const nlohmann::json& metrics) {
  if (!runs_here(id)) {
    // Its lease ran out and another worker took it: that run's bundle is the one to keep.
    TRAINBOX_LOG_WARN("task={} is no longer running on {}; dropping this run's bundle", id,
                      config_.worker_id);
    return {};
  }
  std::string key = model_key(id);
  // Recorded with the row, so a bundle damaged in storage is never served or loaded.
  auto digest = sha256_file(bundle);
  if (!digest) return fail(digest.error());
  TRAINBOX_TRY(blobs_.put_file(key, bundle));
  core::Completion completion{TaskStatus::kCompleted, std::nullopt, metrics, key};
  completion.model_size = static_cast<int64_t>(digest->size);
  completion.model_sha256 = digest->sha256;
  auto finished = store_.finish(id, completion, clock_.now_ms());
  if (!finished) return fail(finished.error());
  if (!*finished) {
    // Cancelled, reaped or deleted meanwhile: its bundle must not linger.
    TRAINBOX_LOG_WARN("task={} ended elsewhere before completion; dropping its bundle", id);
    if (!store_.get(id)) (void)blobs_.remove_prefix(task_prefix(id));
  } else {
    TRAINBOX_LOG_INFO("task={} COMPLETED", id);
  }
  events_.notify();
  return {};
}

Status TaskService::end(std::string_view id, TaskStatus status, std::string reason) {
  core::Completion completion{status, std::move(reason), nlohmann::json::object(), ""};
  auto finished = store_.finish(id, completion, clock_.now_ms());
  if (!finished) return fail(finished.error());
  if (*finished) {
    TRAINBOX_LOG_INFO("task={} {}: {}", id, core::to_string(status), *completion.error);
  }
  events_.notify();
  return {};
}

Result<int> TaskService::requeue_queued() {
  auto ids = store_.ids_with_status(TaskStatus::kQueued);
  if (!ids) return fail(ids.error());
  for (const auto& id : *ids) TRAINBOX_TRY(queue_.push(id));
  return static_cast<int>(ids->size());
}

Status TaskService::hand_back(std::string_view id) {
  auto released = store_.release(id, config_.worker_id);
  if (!released) return fail(released.error());
  if (!*released) return {};
  TRAINBOX_LOG_INFO("task={} handed back to the queue (worker {} stopping)", id, config_.worker_id);
  events_.notify();
  // If the push fails the row stays QUEUED; the next start (or a lost-queue rebuild) pushes it.
  return queue_.push(id);
}

Result<bool> TaskService::reap_one(const std::string& id, int64_t heartbeat_before_ms) {
  auto task = store_.get(id);
  if (!task)
    return task.error().code == ErrorCode::kNotFound ? Result<bool>(false) : fail(task.error());
  if (!task->cancel_requested && task->attempts < config_.max_attempts) {
    auto requeued = store_.requeue_stale(id, heartbeat_before_ms);
    if (!requeued || !*requeued) return requeued;
    TRAINBOX_LOG_WARN(
        "task={} queued again: worker {} stopped sending heartbeats (attempt {} of {})", id,
        task->worker_id, task->attempts, config_.max_attempts);
    TRAINBOX_TRY(queue_.push(id));
    return true;
  }
  core::Completion completion{TaskStatus::kFailed, "", nlohmann::json::object(), ""};
  if (task->cancel_requested) {
    completion.status = TaskStatus::kCancelled;
    completion.error = "cancelled by request";
  } else {
    completion.error = fmt::format(
        "interrupted: the worker running this task ({}) stopped sending heartbeats for {} s "
        "(restart or crash), {} of {} attempts used; start the task again",
        task->worker_id.empty() ? "unknown" : task->worker_id, config_.lease_timeout_ms / 1000,
        task->attempts, config_.max_attempts);
  }
  auto finished = store_.finish(id, completion, clock_.now_ms());
  if (finished && *finished) {
    TRAINBOX_LOG_WARN("task={} {} by the reaper: {}", id, core::to_string(completion.status),
                      *completion.error);
  }
  return finished;
}

Result<int> TaskService::reap_stale() {
  int64_t cutoff = clock_.now_ms() - config_.lease_timeout_ms;
  auto ids = store_.stale_running(cutoff);
  if (!ids) return fail(ids.error());
  int reaped = 0;
  for (const auto& id : *ids) {
    auto moved = reap_one(id, cutoff);
    if (!moved) {
      TRAINBOX_LOG_WARN("task={} reaper: {}", id, moved.error().message);
    } else if (*moved) {
      ++reaped;
    }
  }
  if (reaped > 0) events_.notify();
  return reaped;
}

}  // namespace trainbox::service
