// PostgreSQL TaskStore over a PgPool (pg_connection.h). Like the SQLite store, every state change
// is ONE conditional statement, so concurrent workers, reapers and servers on other hosts never
// both move a task; PostgreSQL's row locks do the rest, so no lock is held here and many threads
// run statements at once, one pooled session each.
// A lost connection is retried by the pool (every statement here is safe to run twice). When a
// retried statement changed nothing, the lost attempt may have committed it: the conditional
// writes then read the row back to tell their own write from someone else's (see changed()).
// Columns stay TEXT as the portable migrations made them; JSON edits cast through jsonb.

#include "db/postgres_task_store.h"

#include <fmt/format.h>

#include <charconv>

#include "core/task_json.h"
#include "db/pg_connection.h"
#include "db/pg_schema.h"
#include "db/task_row.h"

namespace trainbox::db {
namespace {

using core::Task;
using core::TaskStatus;

const std::string kInsertTask = fmt::format(
    "INSERT INTO tasks ({}) VALUES ({}) ON CONFLICT (id) DO NOTHING", kTaskInsertColumns, [] {
      std::string marks = "$1";
      for (int i = 2; i <= kTaskInsertColumnCount; ++i) marks += fmt::format(",${}", i);
      return marks;
    }());
constexpr const char* kClaimTask =
    "UPDATE tasks SET status='RUNNING', attempts=attempts+1, started_at_ms=$2, "
    "heartbeat_at_ms=$2, worker_id=$3, revision=revision+1 WHERE id=$1 AND status='QUEUED'";
constexpr const char* kRequeueStale =
    "UPDATE tasks SET status='QUEUED', "
    "progress=jsonb_set(progress::jsonb, '{phase}', '\"queued\"')::text, revision=revision+1 "
    "WHERE id=$1 AND status='RUNNING' AND heartbeat_at_ms < $2";
constexpr const char* kRelease =
    "UPDATE tasks SET status='QUEUED', attempts=GREATEST(attempts-1, 0), "
    "progress=jsonb_set(progress::jsonb, '{phase}', '\"queued\"')::text, revision=revision+1 "
    "WHERE id=$1 AND status='RUNNING' AND worker_id=$2";
constexpr const char* kRecordProgress =
    "UPDATE tasks SET progress=$2, heartbeat_at_ms=$3, revision=revision+1 "
    "WHERE id=$1 AND status='RUNNING'";
constexpr const char* kHeartbeat =
    "UPDATE tasks SET heartbeat_at_ms=$2 WHERE id=$1 AND status='RUNNING'";
constexpr const char* kRecordDataset =
    "UPDATE tasks SET dataset=$2, classes=$3, revision=revision+1 WHERE id=$1 AND status='RUNNING'";
constexpr const char* kFinishTask =
    "UPDATE tasks SET status=$2, error=$3, metrics=$4, model_key=$5, finished_at_ms=$6, "
    "progress=jsonb_set(jsonb_set(progress::jsonb, '{phase}', to_jsonb($7::text)), '{eta_s}', "
    "'null'::jsonb)::text, model_size=$8, model_sha256=$9, revision=revision+1 "
    "WHERE id=$1 AND status IN ('QUEUED','RUNNING')";
constexpr const char* kCancelQueued =
    "UPDATE tasks SET status='CANCELLED', cancel_requested=1, finished_at_ms=$2, "
    "error='cancelled by request', "
    "progress=jsonb_set(progress::jsonb, '{phase}', '\"cancelled\"')::text, "
    "revision=revision+1 WHERE id=$1 AND status='QUEUED'";
constexpr const char* kCancelRunning =
    "UPDATE tasks SET cancel_requested=1, revision=revision+1 "
    "WHERE id=$1 AND status='RUNNING' AND cancel_requested=0";
constexpr const char* kStaleRunning =
    "SELECT id FROM tasks WHERE status='RUNNING' AND heartbeat_at_ms < $1 ORDER BY created_at_ms";
constexpr const char* kIdsWithStatus =
    "SELECT id FROM tasks WHERE status=$1 ORDER BY created_at_ms, id";
constexpr const char* kDeleteTask = "DELETE FROM tasks WHERE id=$1";
constexpr const char* kReleaseKey =
    "UPDATE tasks SET idempotency_key='' WHERE idempotency_key=$1 AND created_at_ms < $2";
constexpr const char* kUsage =
    "SELECT COALESCE(SUM(CASE WHEN status IN ('QUEUED','RUNNING') THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(dataset_size + model_size), 0) FROM tasks WHERE owner=$1";

std::string column_text(const PgRow& row, size_t column) {
  return column < row.size() && row[column] ? *row[column] : std::string();
}

int64_t column_integer(const PgRow& row, size_t column) {
  std::string value = column_text(row, column);
  int64_t parsed = 0;
  std::from_chars(value.data(), value.data() + value.size(), parsed);
  return parsed;
}

class PgRowView final : public RowView {
 public:
  explicit PgRowView(const PgRow& row) : row_(row) {}
  std::string text(int column) const override { return column_text(row_, column); }
  int64_t integer(int column) const override { return column_integer(row_, column); }
  bool is_null(int column) const override {
    return static_cast<size_t>(column) >= row_.size() || !row_[column];
  }

 private:
  const PgRow& row_;
};

Task read_task(const PgRow& row) { return task_from_row(PgRowView(row)); }

std::optional<std::string> pg_value(const SqlValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) return *text;
  if (const auto* number = std::get_if<int64_t>(&value)) return std::to_string(*number);
  return std::nullopt;
}

tl::unexpected<Error> task_not_found(std::string_view id) {
  return fail(ErrorCode::kNotFound, "task_not_found", fmt::format("no task with id '{}'", id));
}

std::string number(int64_t value) { return std::to_string(value); }

class PostgresTaskStore final : public TaskStore {
 public:
  explicit PostgresTaskStore(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  Status migrate();
  Status insert(const Task& task) override;
  Result<Task> get(std::string_view id) override;
  Result<Task> find_by_idempotency_key(std::string_view key) override;
  Result<bool> release_idempotency_key(std::string_view key, int64_t created_before_ms) override;
  Result<TaskPage> list(int limit, int offset, const std::optional<std::string>& owner) override;
  Result<OwnerUsage> usage(std::string_view owner) override;
  Result<std::vector<std::string>> ids_with_status(TaskStatus status) override;
  Result<bool> claim(std::string_view id, int64_t now_ms, std::string_view worker_id) override;
  Result<bool> requeue_stale(std::string_view id, int64_t heartbeat_before_ms) override;
  Result<bool> release(std::string_view id, std::string_view worker_id) override;
  Status record_progress(std::string_view id, const core::Progress& progress,
                         int64_t now_ms) override;
  Status heartbeat(std::string_view id, int64_t now_ms) override;
  Status record_dataset(std::string_view id, const nlohmann::json& dataset,
                        const std::vector<std::string>& classes) override;
  Result<bool> finish(std::string_view id, const core::Completion& completion,
                      int64_t now_ms) override;
  Result<Task> request_cancel(std::string_view id, int64_t now_ms) override;
  Result<std::vector<std::string>> stale_running(int64_t heartbeat_before_ms) override;
  Status remove(std::string_view id) override;

 private:
  Status run(const char* sql, const PgParams& params) {
    TRAINBOX_TRY(pool_->exec(sql, params));
    return {};
  }
  Result<std::vector<std::string>> select_ids(const char* sql, const PgParams& params);
  // Whether a conditional update moved the row; when it changed nothing after a retry,
  // `mine(task)` tells whether the row shows the lost attempt's own write.
  template <class Mine>
  Result<bool> changed(const char* sql, const PgParams& params, std::string_view id, Mine mine);

  std::unique_ptr<PgPool> pool_;
};

Status PostgresTaskStore::migrate() {
  auto lease = pool_->checkout();
  if (!lease) return fail(lease.error());
  PgSchema schema(**lease);
  return apply_migrations(schema);
}

template <class Mine>
Result<bool> PostgresTaskStore::changed(const char* sql, const PgParams& params,
                                        std::string_view id, Mine mine) {
  auto rows = pool_->exec(sql, params);
  if (!rows) return fail(rows.error());
  if (rows->affected > 0) return true;
  if (!rows->retried) return false;
  auto task = get(id);
  if (!task) {
    return task.error().code == ErrorCode::kNotFound ? Result<bool>(false) : fail(task.error());
  }
  return mine(*task);
}

Status PostgresTaskStore::insert(const Task& task) {
  PgParams params;
  for (const auto& value : task_insert_values(task)) params.push_back(pg_value(value));
  auto inserted = changed(kInsertTask.c_str(), params, task.id, [&](const Task& stored) {
    return stored.created_at_ms == task.created_at_ms && stored.dataset_key == task.dataset_key;
  });
  if (!inserted && inserted.error().slug == "unique_violation") {
    // Not the id (ON CONFLICT (id) covers it): the key. After a lost attempt the holder may be
    // this very task, inserted by that attempt.
    auto holder = find_by_idempotency_key(task.idempotency_key);
    if (holder && holder->id == task.id) return {};
    return fail(ErrorCode::kConflict, "idempotency_key_taken",
                "another task was created with this Idempotency-Key");
  }
  if (!inserted) return fail(inserted.error());
  if (!*inserted) {
    return fail(ErrorCode::kConflict, "task_exists", "a task with this id already exists");
  }
  return {};
}

Result<Task> PostgresTaskStore::get(std::string_view id) {
  auto rows =
      pool_->exec(fmt::format("SELECT {} FROM tasks WHERE id=$1", kTaskColumns), {std::string(id)});
  if (!rows) return fail(rows.error());
  if (rows->rows.empty()) return task_not_found(id);
  return read_task(rows->rows.front());
}

Result<Task> PostgresTaskStore::find_by_idempotency_key(std::string_view key) {
  auto rows = pool_->exec(
      fmt::format("SELECT {} FROM tasks WHERE idempotency_key=$1 AND idempotency_key<>''",
                  kTaskColumns),
      {std::string(key)});
  if (!rows) return fail(rows.error());
  if (rows->rows.empty()) return task_not_found(key);
  return read_task(rows->rows.front());
}

Result<bool> PostgresTaskStore::release_idempotency_key(std::string_view key,
                                                        int64_t created_before_ms) {
  auto rows = pool_->exec(kReleaseKey, {std::string(key), number(created_before_ms)});
  if (!rows) return fail(rows.error());
  return rows->affected > 0;
}

Result<TaskPage> PostgresTaskStore::list(int limit, int offset,
                                         const std::optional<std::string>& owner) {
  TaskPage page;
  PgParams count_params;
  if (owner) count_params.emplace_back(*owner);
  auto count = pool_->exec(
      fmt::format("SELECT COUNT(*) FROM tasks {}", owner ? "WHERE owner=$1" : ""), count_params);
  if (!count) return fail(count.error());
  if (!count->rows.empty()) page.total = column_integer(count->rows.front(), 0);
  PgParams params = {number(limit), number(offset)};
  if (owner) params.emplace_back(*owner);
  auto rows =
      pool_->exec(fmt::format("SELECT {} FROM tasks {} ORDER BY created_at_ms DESC, id DESC "
                              "LIMIT $1 OFFSET $2",
                              kTaskColumns, owner ? "WHERE owner=$3" : ""),
                  params);
  if (!rows) return fail(rows.error());
  for (const auto& row : rows->rows) page.tasks.push_back(read_task(row));
  return page;
}

Result<OwnerUsage> PostgresTaskStore::usage(std::string_view owner) {
  auto rows = pool_->exec(kUsage, {std::string(owner)});
  if (!rows) return fail(rows.error());
  if (rows->rows.empty()) return OwnerUsage{};
  return OwnerUsage{column_integer(rows->rows.front(), 0), column_integer(rows->rows.front(), 1)};
}

Result<std::vector<std::string>> PostgresTaskStore::select_ids(const char* sql,
                                                               const PgParams& params) {
  auto rows = pool_->exec(sql, params);
  if (!rows) return fail(rows.error());
  std::vector<std::string> ids;
  for (const auto& row : rows->rows) ids.push_back(column_text(row, 0));
  return ids;
}

Result<std::vector<std::string>> PostgresTaskStore::ids_with_status(TaskStatus status) {
  return select_ids(kIdsWithStatus, {core::to_string(status)});
}

Result<bool> PostgresTaskStore::claim(std::string_view id, int64_t now_ms,
                                      std::string_view worker_id) {
  return changed(kClaimTask, {std::string(id), number(now_ms), std::string(worker_id)}, id,
                 [&](const Task& task) {
                   return task.status == TaskStatus::kRunning && task.worker_id == worker_id &&
                          task.started_at_ms == now_ms;
                 });
}

Result<bool> PostgresTaskStore::requeue_stale(std::string_view id, int64_t heartbeat_before_ms) {
  // After a lost attempt a QUEUED row counts as moved: the caller enqueues it, and a duplicate
  // delivery is harmless (claim is conditional), while a task left unenqueued would wait.
  return changed(kRequeueStale, {std::string(id), number(heartbeat_before_ms)}, id,
                 [](const Task& task) { return task.status == TaskStatus::kQueued; });
}

Result<bool> PostgresTaskStore::release(std::string_view id, std::string_view worker_id) {
  return changed(kRelease, {std::string(id), std::string(worker_id)}, id, [&](const Task& task) {
    return task.status == TaskStatus::kQueued && task.worker_id == worker_id;
  });
}

Status PostgresTaskStore::record_progress(std::string_view id, const core::Progress& progress,
                                          int64_t now_ms) {
  return run(kRecordProgress, {std::string(id), core::to_json(progress).dump(), number(now_ms)});
}

Status PostgresTaskStore::heartbeat(std::string_view id, int64_t now_ms) {
  return run(kHeartbeat, {std::string(id), number(now_ms)});
}

Status PostgresTaskStore::record_dataset(std::string_view id, const nlohmann::json& dataset,
                                         const std::vector<std::string>& classes) {
  return run(kRecordDataset, {std::string(id), dataset.dump(), nlohmann::json(classes).dump()});
}

Result<bool> PostgresTaskStore::finish(std::string_view id, const core::Completion& completion,
                                       int64_t now_ms) {
  std::string phase = finished_phase(completion.status);
  PgParams params = {std::string(id),
                     core::to_string(completion.status),
                     completion.error,
                     completion.metrics.dump(),
                     completion.model_key,
                     number(now_ms),
                     phase,
                     number(completion.model_size),
                     completion.model_sha256};
  return changed(kFinishTask, params, id, [&](const Task& task) {
    return task.status == completion.status && task.finished_at_ms == now_ms &&
           task.model_key == completion.model_key;
  });
}

Result<Task> PostgresTaskStore::request_cancel(std::string_view id, int64_t now_ms) {
  TRAINBOX_TRY(run(kCancelQueued, {std::string(id), number(now_ms)}));
  TRAINBOX_TRY(run(kCancelRunning, {std::string(id)}));
  return get(id);
}

Result<std::vector<std::string>> PostgresTaskStore::stale_running(int64_t heartbeat_before_ms) {
  return select_ids(kStaleRunning, {number(heartbeat_before_ms)});
}

Status PostgresTaskStore::remove(std::string_view id) {
  auto removed = pool_->exec(kDeleteTask, {std::string(id)});
  if (!removed) return fail(removed.error());
  // After a lost attempt the retry may find the row already gone: deleted by that attempt.
  if (removed->affected == 0 && !removed->retried) return task_not_found(id);
  return {};
}

}  // namespace

Result<std::unique_ptr<TaskStore>> open_postgres_task_store(std::string_view url) {
  auto parsed = parse_pg_url(url);
  if (!parsed) return fail(parsed.error());
  auto pool = PgPool::open(*parsed);
  if (!pool) return fail(pool.error());
  auto store = std::make_unique<PostgresTaskStore>(std::move(*pool));
  TRAINBOX_TRY(store->migrate());
  return std::unique_ptr<TaskStore>(std::move(store));
}

}  // namespace trainbox::db
