// The worker-facing half of TaskService: claim, progress, heartbeat, completion, and the
// housekeeping that keeps the promise "no task stays RUNNING forever".

#include <fmt/format.h>

#include "service/task_service.h"
#include "util/log.h"

namespace trainbox::service {
using core::TaskStatus;

Result<bool> TaskService::claim(std::string_view id) {
  auto claimed = store_.claim(id, clock_.now_ms());
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

bool TaskService::should_stop(std::string_view id) {
  auto task = store_.get(id);
  if (!task) return task.error().code == ErrorCode::kNotFound;  // deleted: stop
  return task->cancel_requested || core::is_terminal(task->status);
}

Status TaskService::complete(std::string_view id, const std::filesystem::path& bundle,
                             const nlohmann::json& metrics) {
  std::string key = model_key(id);
  TRAINBOX_TRY(blobs_.put_file(key, bundle));
  core::Completion completion{TaskStatus::kCompleted, std::nullopt, metrics, key};
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

Result<int> TaskService::reap_stale() {
  auto ids = store_.stale_running(clock_.now_ms() - config_.lease_timeout_ms);
  if (!ids) return fail(ids.error());
  int reaped = 0;
  for (const auto& id : *ids) {
    std::string reason = fmt::format(
        "interrupted: the worker running this task stopped sending heartbeats for {} s (server "
        "restart or crash); start the task again",
        config_.lease_timeout_ms / 1000);
    core::Completion completion{TaskStatus::kFailed, reason, nlohmann::json::object(), ""};
    auto finished = store_.finish(id, completion, clock_.now_ms());
    if (finished && *finished) {
      ++reaped;
      TRAINBOX_LOG_WARN("task={} FAILED by the reaper: heartbeat stopped", id);
    }
  }
  if (reaped > 0) events_.notify();
  return reaped;
}

}  // namespace trainbox::service
