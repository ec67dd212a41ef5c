#include "db/task_row.h"

#include "core/task_json.h"

namespace trainbox::db {
namespace {

nlohmann::json parse_json_column(const std::string& text, const nlohmann::json& fallback) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

std::vector<std::string> parse_classes(const std::string& text) {
  std::vector<std::string> names;
  auto classes = parse_json_column(text, nlohmann::json::array());
  if (!classes.is_array()) return names;
  for (const auto& name : classes) {
    if (name.is_string()) names.push_back(name.get<std::string>());
  }
  return names;
}

}  // namespace

const char* const kTaskColumns =
    "id, kind, status, created_at_ms, started_at_ms, finished_at_ms, heartbeat_at_ms, progress, "
    "options, dataset, classes, metrics, error, dataset_name, dataset_key, model_key, attempts, "
    "cancel_requested, revision, worker_id, model_size, model_sha256, idempotency_key, "
    "idempotency_fingerprint, owner, dataset_size";

const char* const kTaskInsertColumns =
    "id, kind, status, created_at_ms, progress, options, dataset, classes, metrics, error, "
    "dataset_name, dataset_key, model_key, idempotency_key, idempotency_fingerprint, owner, "
    "dataset_size";

core::Task task_from_row(const RowView& row) {
  core::Task task;
  task.id = row.text(0);
  task.kind = core::parse_task_kind(row.text(1)).value_or(core::TaskKind::kImage);
  task.status = core::parse_task_status(row.text(2)).value_or(core::TaskStatus::kFailed);
  task.created_at_ms = row.integer(3);
  task.started_at_ms = row.integer(4);
  task.finished_at_ms = row.integer(5);
  task.heartbeat_at_ms = row.integer(6);
  task.progress = core::progress_from_json(parse_json_column(row.text(7), {}));
  task.options = parse_json_column(row.text(8), nlohmann::json::object());
  task.dataset = parse_json_column(row.text(9), nlohmann::json::object());
  task.classes = parse_classes(row.text(10));
  task.metrics = parse_json_column(row.text(11), nlohmann::json::object());
  if (!row.is_null(12)) task.error = row.text(12);
  task.dataset_name = row.text(13);
  task.dataset_key = row.text(14);
  task.model_key = row.text(15);
  task.attempts = static_cast<int>(row.integer(16));
  task.cancel_requested = row.integer(17) != 0;
  task.revision = row.integer(18);
  task.worker_id = row.text(19);
  task.model_size = row.integer(20);
  task.model_sha256 = row.text(21);
  task.idempotency_key = row.text(22);
  task.idempotency_fingerprint = row.text(23);
  task.owner = row.text(24);
  task.dataset_size = row.integer(25);
  return task;
}

std::vector<SqlValue> task_insert_values(const core::Task& task) {
  return {task.id,
          std::string(core::to_string(task.kind)),
          std::string(core::to_string(task.status)),
          task.created_at_ms,
          core::to_json(task.progress).dump(),
          task.options.dump(),
          task.dataset.dump(),
          nlohmann::json(task.classes).dump(),
          task.metrics.dump(),
          task.error ? SqlValue(*task.error) : SqlValue(std::monostate{}),
          task.dataset_name,
          task.dataset_key,
          task.model_key,
          task.idempotency_key,
          task.idempotency_fingerprint,
          task.owner,
          task.dataset_size};
}

const char* finished_phase(core::TaskStatus status) {
  switch (status) {
    case core::TaskStatus::kCompleted:
      return "done";
    case core::TaskStatus::kCancelled:
      return "cancelled";
    default:
      return "failed";
  }
}

}  // namespace trainbox::db
