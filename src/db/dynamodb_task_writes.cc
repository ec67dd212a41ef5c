#include "db/dynamodb_task_writes.h"

#include "db/dynamodb_item.h"
#include "db/task_row.h"

namespace trainbox::db::dynamo {
namespace {

using core::TaskStatus;
using nlohmann::json;

json status_value(TaskStatus status) { return s(core::to_string(status)); }

constexpr const char* kBump = "#revision = #revision + :one";

}  // namespace

Write claim_write(std::string_view id, int64_t now_ms, std::string_view worker_id) {
  return {.pk = task_pk(id),
          .update = std::string("SET #status = :running, #attempts = #attempts + :one, "
                                "#started_at_ms = :now, #heartbeat_at_ms = :now, "
                                "#worker_id = :worker, ") +
                    kBump,
          .condition = "#status = :queued",
          .values = {{":running", status_value(TaskStatus::kRunning)},
                     {":queued", status_value(TaskStatus::kQueued)},
                     {":one", n(1)},
                     {":now", n(now_ms)},
                     {":worker", s(worker_id)}}};
}

Write requeue_stale_write(std::string_view id, int64_t heartbeat_before_ms) {
  return {.pk = task_pk(id),
          .update = std::string("SET #status = :queued, #progress.#phase = :phase, ") + kBump,
          .condition = "#status = :running AND #heartbeat_at_ms < :before",
          .values = {{":queued", status_value(TaskStatus::kQueued)},
                     {":running", status_value(TaskStatus::kRunning)},
                     {":phase", s("queued")},
                     {":one", n(1)},
                     {":before", n(heartbeat_before_ms)}}};
}

Write release_write(std::string_view id, std::string_view worker_id) {
  // The claim counted the attempt (RUNNING implies attempts >= 1), so the decrement stays >= 0,
  // as MAX(attempts-1, 0) keeps it there in SQL.
  return {.pk = task_pk(id),
          .update = std::string("SET #status = :queued, #attempts = #attempts - :one, "
                                "#progress.#phase = :phase, ") +
                    kBump,
          .condition = "#status = :running AND #worker_id = :worker",
          .values = {{":queued", status_value(TaskStatus::kQueued)},
                     {":running", status_value(TaskStatus::kRunning)},
                     {":phase", s("queued")},
                     {":one", n(1)},
                     {":worker", s(worker_id)}}};
}

Write progress_write(std::string_view id, const core::Progress& progress, int64_t now_ms) {
  return {.pk = task_pk(id),
          .update = std::string("SET #progress = :progress, #heartbeat_at_ms = :now, ") + kBump,
          .condition = "#status = :running",
          .values = {{":progress", progress_value(progress)},
                     {":now", n(now_ms)},
                     {":one", n(1)},
                     {":running", status_value(TaskStatus::kRunning)}}};
}

Write heartbeat_write(std::string_view id, int64_t now_ms) {
  return {.pk = task_pk(id),
          .update = "SET #heartbeat_at_ms = :now",
          .condition = "#status = :running",
          .values = {{":now", n(now_ms)}, {":running", status_value(TaskStatus::kRunning)}}};
}

Write dataset_write(std::string_view id, const json& dataset,
                    const std::vector<std::string>& classes) {
  json names = json::array();
  for (const auto& name : classes) names.push_back(s(name));
  return {.pk = task_pk(id),
          .update = std::string("SET #dataset = :dataset, #classes = :classes, ") + kBump,
          .condition = "#status = :running",
          .values = {{":dataset", s(dataset.dump())},
                     {":classes", {{"L", names}}},
                     {":one", n(1)},
                     {":running", status_value(TaskStatus::kRunning)}}};
}

Write finish_write(std::string_view id, const core::Completion& completion, int64_t now_ms) {
  return {.pk = task_pk(id),
          .update = std::string("SET #status = :status, #error = :error, #metrics = :metrics, "
                                "#model_key = :model_key, #finished_at_ms = :now, "
                                "#progress.#phase = :phase, #progress.#eta_s = :null, "
                                "#model_size = :model_size, #model_sha256 = :sha256, ") +
                    kBump,
          .condition = "#status IN (:queued, :running)",
          .values = {{":status", status_value(completion.status)},
                     {":error", completion.error ? s(*completion.error) : null()},
                     {":metrics", s(completion.metrics.dump())},
                     {":model_key", s(completion.model_key)},
                     {":now", n(now_ms)},
                     {":phase", s(finished_phase(completion.status))},
                     {":null", null()},
                     {":model_size", n(completion.model_size)},
                     {":sha256", s(completion.model_sha256)},
                     {":one", n(1)},
                     {":queued", status_value(TaskStatus::kQueued)},
                     {":running", status_value(TaskStatus::kRunning)}}};
}

Write cancel_queued_write(std::string_view id, int64_t now_ms) {
  return {.pk = task_pk(id),
          .update = std::string("SET #status = :cancelled, #cancel_requested = :true, "
                                "#finished_at_ms = :now, #error = :reason, "
                                "#progress.#phase = :phase, ") +
                    kBump,
          .condition = "#status = :queued",
          .values = {{":cancelled", status_value(TaskStatus::kCancelled)},
                     {":true", boolean(true)},
                     {":now", n(now_ms)},
                     {":reason", s("cancelled by request")},
                     {":phase", s("cancelled")},
                     {":one", n(1)},
                     {":queued", status_value(TaskStatus::kQueued)}},
          .return_values = "ALL_NEW"};
}

Write cancel_running_write(std::string_view id) {
  return {.pk = task_pk(id),
          .update = std::string("SET #cancel_requested = :true, ") + kBump,
          .condition = "#status = :running AND #cancel_requested = :false",
          .values = {{":true", boolean(true)},
                     {":false", boolean(false)},
                     {":one", n(1)},
                     {":running", status_value(TaskStatus::kRunning)}},
          .return_values = "ALL_NEW"};
}

Write release_key_write(std::string_view id, std::string_view key, int64_t created_before_ms) {
  return {.pk = task_pk(id),
          .update = "SET #idempotency_key = :empty",
          .condition = "#idempotency_key = :key AND #created_at_ms < :before",
          .values = {{":empty", s("")}, {":key", s(key)}, {":before", n(created_before_ms)}}};
}

}  // namespace trainbox::db::dynamo
