// SQLite TaskStore. One connection guarded by a mutex: SQLite serialises writers anyway, and one
// connection per process avoids "database is locked" inside the process. WAL lets other processes
// (a scale-out worker on the same file) read while we write; busy_timeout covers their writes.
// synchronous=FULL makes a committed row durable before POST /tasks answers.

#include "db/sqlite_task_store.h"

#include <fmt/format.h>

#include <mutex>

#include "core/task_json.h"
#include "db/sqlite_open.h"
#include "db/sqlite_statement.h"
#include "db/task_row.h"

namespace trainbox::db {
namespace {

using core::Task;
using core::TaskStatus;

const std::string kInsertTask =
    fmt::format("INSERT INTO tasks ({}) VALUES (?{})", kTaskInsertColumns, [] {
      std::string marks;
      for (int i = 1; i < kTaskInsertColumnCount; ++i) marks += ",?";
      return marks;
    }());
constexpr const char* kClaimTask =
    "UPDATE tasks SET status='RUNNING', attempts=attempts+1, started_at_ms=?2, heartbeat_at_ms=?2, "
    "worker_id=?3, revision=revision+1 WHERE id=?1 AND status='QUEUED'";
constexpr const char* kRequeueStale =
    "UPDATE tasks SET status='QUEUED', progress=json_set(progress, '$.phase', 'queued'), "
    "revision=revision+1 WHERE id=?1 AND status='RUNNING' AND heartbeat_at_ms < ?2";
constexpr const char* kRelease =
    "UPDATE tasks SET status='QUEUED', attempts=MAX(attempts-1, 0), "
    "progress=json_set(progress, '$.phase', 'queued'), revision=revision+1 "
    "WHERE id=?1 AND status='RUNNING' AND worker_id=?2";
constexpr const char* kRecordProgress =
    "UPDATE tasks SET progress=?2, heartbeat_at_ms=?3, revision=revision+1 "
    "WHERE id=?1 AND status='RUNNING'";
constexpr const char* kHeartbeat =
    "UPDATE tasks SET heartbeat_at_ms=?2 WHERE id=?1 AND status='RUNNING'";
constexpr const char* kRecordDataset =
    "UPDATE tasks SET dataset=?2, classes=?3, revision=revision+1 WHERE id=?1 AND status='RUNNING'";
constexpr const char* kFinishTask =
    "UPDATE tasks SET status=?2, error=?3, metrics=?4, model_key=?5, finished_at_ms=?6, "
    "progress=json_set(progress, '$.phase', ?7, '$.eta_s', NULL), model_size=?8, "
    "model_sha256=?9, revision=revision+1 "
    "WHERE id=?1 AND status IN ('QUEUED','RUNNING')";
constexpr const char* kCancelQueued =
    "UPDATE tasks SET status='CANCELLED', cancel_requested=1, finished_at_ms=?2, "
    "error='cancelled by request', progress=json_set(progress, '$.phase', 'cancelled'), "
    "revision=revision+1 WHERE id=?1 AND status='QUEUED'";
constexpr const char* kCancelRunning =
    "UPDATE tasks SET cancel_requested=1, revision=revision+1 "
    "WHERE id=?1 AND status='RUNNING' AND cancel_requested=0";
constexpr const char* kStaleRunning =
    "SELECT id FROM tasks WHERE status='RUNNING' AND heartbeat_at_ms < ?1 ORDER BY created_at_ms";
constexpr const char* kIdsWithStatus =
    "SELECT id FROM tasks WHERE status=?1 ORDER BY created_at_ms, id";
constexpr const char* kDeleteTask = "DELETE FROM tasks WHERE id=?1";
constexpr const char* kReleaseKey =
    "UPDATE tasks SET idempotency_key='' WHERE idempotency_key=?1 AND created_at_ms < ?2";
constexpr const char* kUsage =
    "SELECT COALESCE(SUM(CASE WHEN status IN ('QUEUED','RUNNING') THEN 1 ELSE 0 END), 0), "
    "COALESCE(SUM(dataset_size + model_size), 0) FROM tasks WHERE owner=?1";

class SqliteRow final : public RowView {
 public:
  explicit SqliteRow(const Statement& statement) : statement_(statement) {}
  std::string text(int column) const override { return statement_.text(column); }
  int64_t integer(int column) const override { return statement_.integer(column); }
  bool is_null(int column) const override { return statement_.is_null(column); }

 private:
  const Statement& statement_;
};

Task read_task(const Statement& row) { return task_from_row(SqliteRow(row)); }

void bind_value(Statement& statement, int index, const SqlValue& value) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    statement.bind(index, *text);
  } else if (const auto* number = std::get_if<int64_t>(&value)) {
    statement.bind(index, *number);
  } else {
    statement.bind_null(index);
  }
}

tl::unexpected<Error> task_not_found(std::string_view id) {
  return fail(ErrorCode::kNotFound, "task_not_found", fmt::format("no task with id '{}'", id));
}

class SqliteTaskStore final : public TaskStore {
 public:
  explicit SqliteTaskStore(sqlite3* db) : db_(db) {}
  ~SqliteTaskStore() override { sqlite3_close_v2(db_); }

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
  Result<Task> get_locked(std::string_view id);
  Result<std::vector<std::string>> select_ids(Statement& statement);
  Result<bool> changed(Statement& statement);

  std::mutex mutex_;
  sqlite3* db_;
};

Status SqliteTaskStore::insert(const Task& task) {
  std::lock_guard lock(mutex_);
  Statement insert(db_, kInsertTask.c_str());
  auto values = task_insert_values(task);
  for (size_t i = 0; i < values.size(); ++i) bind_value(insert, static_cast<int>(i) + 1, values[i]);
  auto done = insert.run();
  if (!done && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return fail(ErrorCode::kConflict, "task_exists", "a task with this id already exists");
  }
  if (!done && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_UNIQUE) {
    return fail(ErrorCode::kConflict, "idempotency_key_taken",
                "another task was created with this Idempotency-Key");
  }
  return done;
}

Result<Task> SqliteTaskStore::get_locked(std::string_view id) {
  Statement select(db_, fmt::format("SELECT {} FROM tasks WHERE id=?1", kTaskColumns).c_str());
  select.bind(1, id);
  auto row = select.step();
  if (!row) return fail(row.error());
  if (!*row) return task_not_found(id);
  return read_task(select);
}

Result<Task> SqliteTaskStore::get(std::string_view id) {
  std::lock_guard lock(mutex_);
  return get_locked(id);
}

Result<Task> SqliteTaskStore::find_by_idempotency_key(std::string_view key) {
  std::lock_guard lock(mutex_);
  Statement select(
      db_, fmt::format("SELECT {} FROM tasks WHERE idempotency_key=?1 AND idempotency_key<>''",
                       kTaskColumns)
               .c_str());
  select.bind(1, key);
  auto row = select.step();
  if (!row) return fail(row.error());
  if (!*row) return task_not_found(key);
  return read_task(select);
}

Result<bool> SqliteTaskStore::release_idempotency_key(std::string_view key,
                                                      int64_t created_before_ms) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kReleaseKey);
  update.bind(1, key).bind(2, created_before_ms);
  return changed(update);
}

Result<TaskPage> SqliteTaskStore::list(int limit, int offset,
                                       const std::optional<std::string>& owner) {
  std::lock_guard lock(mutex_);
  TaskPage page;
  std::string where = owner ? "WHERE owner=?3" : "";
  Statement count(
      db_, fmt::format("SELECT COUNT(*) FROM tasks {}", owner ? "WHERE owner=?1" : "").c_str());
  if (owner) count.bind(1, *owner);
  TRAINBOX_TRY(count.step());
  page.total = count.integer(0);
  Statement select(db_, fmt::format("SELECT {} FROM tasks {} ORDER BY created_at_ms DESC, id DESC "
                                    "LIMIT ?1 OFFSET ?2",
                                    kTaskColumns, where)
                            .c_str());
  select.bind(1, int64_t{limit}).bind(2, int64_t{offset});
  if (owner) select.bind(3, *owner);
  while (true) {
    auto row = select.step();
    if (!row) return fail(row.error());
    if (!*row) break;
    page.tasks.push_back(read_task(select));
  }
  return page;
}

Result<OwnerUsage> SqliteTaskStore::usage(std::string_view owner) {
  std::lock_guard lock(mutex_);
  Statement select(db_, kUsage);
  select.bind(1, owner);
  TRAINBOX_TRY(select.step());
  return OwnerUsage{select.integer(0), select.integer(1)};
}

Result<std::vector<std::string>> SqliteTaskStore::select_ids(Statement& statement) {
  std::vector<std::string> ids;
  while (true) {
    auto row = statement.step();
    if (!row) return fail(row.error());
    if (!*row) return ids;
    ids.push_back(statement.text(0));
  }
}

Result<bool> SqliteTaskStore::changed(Statement& statement) {
  TRAINBOX_TRY(statement.run());
  return sqlite3_changes(db_) > 0;
}

Result<std::vector<std::string>> SqliteTaskStore::ids_with_status(TaskStatus status) {
  std::lock_guard lock(mutex_);
  Statement select(db_, kIdsWithStatus);
  select.bind(1, core::to_string(status));
  return select_ids(select);
}

Result<bool> SqliteTaskStore::claim(std::string_view id, int64_t now_ms,
                                    std::string_view worker_id) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kClaimTask);
  update.bind(1, id).bind(2, now_ms).bind(3, worker_id);
  return changed(update);
}

Result<bool> SqliteTaskStore::requeue_stale(std::string_view id, int64_t heartbeat_before_ms) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kRequeueStale);
  update.bind(1, id).bind(2, heartbeat_before_ms);
  return changed(update);
}

Result<bool> SqliteTaskStore::release(std::string_view id, std::string_view worker_id) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kRelease);
  update.bind(1, id).bind(2, worker_id);
  return changed(update);
}

Status SqliteTaskStore::record_progress(std::string_view id, const core::Progress& progress,
                                        int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kRecordProgress);
  update.bind(1, id).bind(2, core::to_json(progress).dump()).bind(3, now_ms);
  return update.run();
}

Status SqliteTaskStore::heartbeat(std::string_view id, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kHeartbeat);
  update.bind(1, id).bind(2, now_ms);
  return update.run();
}

Status SqliteTaskStore::record_dataset(std::string_view id, const nlohmann::json& dataset,
                                       const std::vector<std::string>& classes) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kRecordDataset);
  update.bind(1, id).bind(2, dataset.dump()).bind(3, nlohmann::json(classes).dump());
  return update.run();
}

Result<bool> SqliteTaskStore::finish(std::string_view id, const core::Completion& completion,
                                     int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Statement update(db_, kFinishTask);
  std::string phase = finished_phase(completion.status);
  update.bind(1, id).bind(2, core::to_string(completion.status));
  if (completion.error) {
    update.bind(3, *completion.error);
  } else {
    update.bind_null(3);
  }
  update.bind(4, completion.metrics.dump()).bind(5, completion.model_key).bind(6, now_ms);
  update.bind(7, phase).bind(8, completion.model_size).bind(9, completion.model_sha256);
  return changed(update);
}

Result<Task> SqliteTaskStore::request_cancel(std::string_view id, int64_t now_ms) {
  std::lock_guard lock(mutex_);
  Statement queued(db_, kCancelQueued);
  queued.bind(1, id).bind(2, now_ms);
  TRAINBOX_TRY(queued.run());
  Statement running(db_, kCancelRunning);
  running.bind(1, id);
  TRAINBOX_TRY(running.run());
  return get_locked(id);
}

Result<std::vector<std::string>> SqliteTaskStore::stale_running(int64_t heartbeat_before_ms) {
  std::lock_guard lock(mutex_);
  Statement select(db_, kStaleRunning);
  select.bind(1, heartbeat_before_ms);
  return select_ids(select);
}

Status SqliteTaskStore::remove(std::string_view id) {
  std::lock_guard lock(mutex_);
  Statement del(db_, kDeleteTask);
  del.bind(1, id);
  auto removed = changed(del);
  if (!removed) return fail(removed.error());
  if (!*removed) return task_not_found(id);
  return {};
}

}  // namespace

Result<std::unique_ptr<TaskStore>> open_sqlite_task_store(const std::string& path) {
  auto db = open_sqlite_database(path);
  if (!db) return fail(db.error());
  return std::unique_ptr<TaskStore>(std::make_unique<SqliteTaskStore>(*db));
}

}  // namespace trainbox::db
