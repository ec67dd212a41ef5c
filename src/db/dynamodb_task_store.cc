// DynamoDB TaskStore: one item per task (pk "task#ID"), every state change one conditional
// UpdateItem (dynamodb_task_writes.h), so two workers or a worker and the reaper never both move
// a task. Reads of one task are strongly consistent GetItems; listings walk a global secondary
// index (newest first by its sort key created_at_ms#id) and fetch the page's items with one
// BatchGetItem. Idempotency keys are guard items (dynamodb_key_guards.h). No lock here: DynamoDB
// serialises the writes of one item, and the client is stateless.
// A write retried after a 5xx or a lost connection may have applied on the lost attempt; when
// its condition then fails, the task is read back to tell its own write from someone else's, as
// the PostgreSQL store does after a reconnect.

#include "db/dynamodb_task_store.h"

#include <fmt/format.h>

#include "db/dynamodb_item.h"
#include "db/dynamodb_key_guards.h"
#include "db/dynamodb_reads.h"
#include "db/dynamodb_table.h"
#include "db/dynamodb_task_writes.h"

namespace trainbox::db {
namespace {

using core::Task;
using core::TaskStatus;
using nlohmann::json;

tl::unexpected<Error> task_not_found(std::string_view id) {
  return fail(ErrorCode::kNotFound, "task_not_found", fmt::format("no task with id '{}'", id));
}

dynamo::IndexQuery status_query(TaskStatus status) {
  return {.index = dynamo::kByStatus,
          .partition_attribute = dynamo::kStatus,
          .partition = core::to_string(status)};
}

std::vector<std::string> ids_of(const std::vector<json>& items) {
  std::vector<std::string> ids;
  ids.reserve(items.size());
  for (const auto& item : items) ids.push_back(dynamo::task_id_of_pk(dynamo::get_s(item, "pk")));
  return ids;
}

class DynamoTaskStore final : public TaskStore {
 public:
  explicit DynamoTaskStore(std::shared_ptr<const DynamoClient> client)
      : client_(std::move(client)), keys_(client_) {}

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
  Status record_dataset(std::string_view id, const json& dataset,
                        const std::vector<std::string>& classes) override;
  Result<bool> finish(std::string_view id, const core::Completion& completion,
                      int64_t now_ms) override;
  Result<Task> request_cancel(std::string_view id, int64_t now_ms) override;
  Result<std::vector<std::string>> stale_running(int64_t heartbeat_before_ms) override;
  Status remove(std::string_view id) override;

 private:
  // Whether a conditional write applied; when its condition failed after a retried attempt,
  // `mine(task)` tells whether the row shows that lost attempt's own write.
  template <class Mine>
  Result<bool> applied(const dynamo::Write& write, std::string_view id, Mine mine);
  // A write whose failed condition means "not in that state": a no-op, as in SQL.
  Status apply_if_running(const dynamo::Write& write);
  Status put_task(const Task& task);

  std::shared_ptr<const DynamoClient> client_;
  dynamo::KeyGuards keys_;
};

template <class Mine>
Result<bool> DynamoTaskStore::applied(const dynamo::Write& write, std::string_view id, Mine mine) {
  auto reply = dynamo::update_item(*client_, write);
  if (!reply) return fail(reply.error());
  if (!reply->condition_failed) return true;
  if (!reply->retried) return false;
  auto task = get(id);
  if (!task) {
    return task.error().code == ErrorCode::kNotFound ? Result<bool>(false) : fail(task.error());
  }
  return mine(*task);
}

Status DynamoTaskStore::apply_if_running(const dynamo::Write& write) {
  TRAINBOX_TRY(dynamo::update_item(*client_, write));
  return {};
}

Status DynamoTaskStore::insert(const Task& task) {
  bool took_key = false;
  if (!task.idempotency_key.empty()) {
    auto taken = keys_.take(task.idempotency_key, task.id);
    if (!taken) return fail(taken.error());
    took_key = *taken;
  }
  auto put = put_task(task);
  // Only a definite "exists" gives the key back: after a transport failure the task may be in.
  if (!put && took_key && put.error().slug == "task_exists") {
    (void)keys_.give_back(task.idempotency_key, task.id);
  }
  return put;
}

Status DynamoTaskStore::put_task(const Task& task) {
  auto put = dynamo::put_item(*client_, dynamo::task_item(task),
                              {.pk = "", .condition = "attribute_not_exists(#pk)"});
  if (!put) return fail(put.error());
  if (!put->condition_failed) return {};
  if (put->retried) {  // the lost attempt may have been the one that stored it
    auto stored = get(task.id);
    if (stored && stored->created_at_ms == task.created_at_ms &&
        stored->dataset_key == task.dataset_key) {
      return {};
    }
  }
  return fail(ErrorCode::kConflict, "task_exists", "a task with this id already exists");
}

Result<Task> DynamoTaskStore::get(std::string_view id) {
  auto item = dynamo::get_item(*client_, dynamo::task_pk(id));
  if (!item) return fail(item.error());
  if (!*item) return task_not_found(id);
  return dynamo::task_from_item(**item);
}

Result<Task> DynamoTaskStore::find_by_idempotency_key(std::string_view key) {
  if (key.empty()) return task_not_found(key);
  auto holder = keys_.holder(key);
  if (!holder) return fail(holder.error());
  if (!*holder) return task_not_found(key);
  auto task = get(**holder);
  // A guard left over by a crashed insert, or one given up but not yet deleted.
  if (!task && task.error().code == ErrorCode::kNotFound) return task_not_found(key);
  if (task && task->idempotency_key != key) return task_not_found(key);
  return task;
}

Result<bool> DynamoTaskStore::release_idempotency_key(std::string_view key,
                                                      int64_t created_before_ms) {
  if (key.empty()) return false;
  auto holder = keys_.holder(key);
  if (!holder) return fail(holder.error());
  if (!*holder) return false;
  auto released = applied(dynamo::release_key_write(**holder, key, created_before_ms), **holder,
                          [](const Task& task) { return task.idempotency_key.empty(); });
  if (!released || !*released) return released;
  TRAINBOX_TRY(keys_.give_back(key, **holder));
  return true;
}

Result<TaskPage> DynamoTaskStore::list(int limit, int offset,
                                       const std::optional<std::string>& owner) {
  dynamo::IndexQuery query = owner ? dynamo::IndexQuery{.index = dynamo::kByOwner,
                                                        .partition_attribute = dynamo::kOwnerPk,
                                                        .partition = dynamo::owner_pk(*owner)}
                                   : dynamo::IndexQuery{.index = dynamo::kByCreated,
                                                        .partition_attribute = dynamo::kListPk,
                                                        .partition = "task"};
  TaskPage page;
  auto total = dynamo::count_index(*client_, query);
  if (!total) return fail(total.error());
  page.total = *total;
  query.newest_first = true;
  query.offset = std::max(offset, 0);
  query.limit = std::max(limit, 0);
  auto keys = dynamo::query_index(*client_, query);
  if (!keys) return fail(keys.error());
  std::vector<std::string> pks;
  for (const auto& key : *keys) pks.push_back(dynamo::get_s(key, dynamo::kPk));
  auto items = dynamo::batch_get(*client_, pks);
  if (!items) return fail(items.error());
  for (const auto& item : *items) page.tasks.push_back(dynamo::task_from_item(item));
  return page;
}

Result<OwnerUsage> DynamoTaskStore::usage(std::string_view owner) {
  auto items = dynamo::query_index(*client_, {.index = dynamo::kByOwner,
                                              .partition_attribute = dynamo::kOwnerPk,
                                              .partition = dynamo::owner_pk(owner)});
  if (!items) return fail(items.error());
  OwnerUsage usage;
  for (const auto& item : *items) {
    auto status = core::parse_task_status(dynamo::get_s(item, dynamo::kStatus));
    if (status && !core::is_terminal(*status)) ++usage.active_tasks;
    usage.stored_bytes += dynamo::get_n(item, "dataset_size") + dynamo::get_n(item, "model_size");
  }
  return usage;
}

Result<std::vector<std::string>> DynamoTaskStore::ids_with_status(TaskStatus status) {
  auto items = dynamo::query_index(*client_, status_query(status));
  if (!items) return fail(items.error());
  return ids_of(*items);
}

Result<bool> DynamoTaskStore::claim(std::string_view id, int64_t now_ms,
                                    std::string_view worker_id) {
  return applied(dynamo::claim_write(id, now_ms, worker_id), id, [&](const Task& task) {
    return task.status == TaskStatus::kRunning && task.worker_id == worker_id &&
           task.started_at_ms == now_ms;
  });
}

Result<bool> DynamoTaskStore::requeue_stale(std::string_view id, int64_t heartbeat_before_ms) {
  // After a lost attempt a QUEUED task counts as moved: the caller enqueues it, and a duplicate
  // delivery is harmless (claim is conditional), while a task left unenqueued would wait.
  return applied(dynamo::requeue_stale_write(id, heartbeat_before_ms), id,
                 [](const Task& task) { return task.status == TaskStatus::kQueued; });
}

Result<bool> DynamoTaskStore::release(std::string_view id, std::string_view worker_id) {
  return applied(dynamo::release_write(id, worker_id), id, [&](const Task& task) {
    return task.status == TaskStatus::kQueued && task.worker_id == worker_id;
  });
}

Status DynamoTaskStore::record_progress(std::string_view id, const core::Progress& progress,
                                        int64_t now_ms) {
  return apply_if_running(dynamo::progress_write(id, progress, now_ms));
}

Status DynamoTaskStore::heartbeat(std::string_view id, int64_t now_ms) {
  return apply_if_running(dynamo::heartbeat_write(id, now_ms));
}

Status DynamoTaskStore::record_dataset(std::string_view id, const json& dataset,
                                       const std::vector<std::string>& classes) {
  return apply_if_running(dynamo::dataset_write(id, dataset, classes));
}

Result<bool> DynamoTaskStore::finish(std::string_view id, const core::Completion& completion,
                                     int64_t now_ms) {
  return applied(dynamo::finish_write(id, completion, now_ms), id, [&](const Task& task) {
    return task.status == completion.status && task.finished_at_ms == now_ms &&
           task.model_key == completion.model_key;
  });
}

Result<Task> DynamoTaskStore::request_cancel(std::string_view id, int64_t now_ms) {
  for (const auto& write :
       {dynamo::cancel_queued_write(id, now_ms), dynamo::cancel_running_write(id)}) {
    auto reply = dynamo::update_item(*client_, write);
    if (!reply) return fail(reply.error());
    if (!reply->condition_failed && reply->body.contains("Attributes")) {
      return dynamo::task_from_item(reply->body["Attributes"]);
    }
  }
  return get(id);
}

Result<std::vector<std::string>> DynamoTaskStore::stale_running(int64_t heartbeat_before_ms) {
  dynamo::IndexQuery query = status_query(TaskStatus::kRunning);
  query.filter = "#heartbeat_at_ms < :before";
  query.values = {{":before", dynamo::n(heartbeat_before_ms)}};
  auto items = dynamo::query_index(*client_, query);
  if (!items) return fail(items.error());
  return ids_of(*items);
}

Status DynamoTaskStore::remove(std::string_view id) {
  auto removed = dynamo::delete_item(*client_, {.pk = dynamo::task_pk(id),
                                                .condition = "attribute_exists(#pk)",
                                                .return_values = "ALL_OLD"});
  if (!removed) return fail(removed.error());
  // After a lost attempt the retry may find the item already gone: deleted by that attempt.
  if (removed->condition_failed) return removed->retried ? Status{} : task_not_found(id);
  std::string key =
      dynamo::get_s(removed->body.value("Attributes", json::object()), "idempotency_key");
  if (!key.empty()) TRAINBOX_TRY(keys_.give_back(key, id));
  return {};
}

}  // namespace

Result<std::unique_ptr<TaskStore>> open_dynamodb_task_store(std::string_view url) {
  auto client = open_dynamodb_table(url);
  if (!client) return fail(client.error());
  return std::unique_ptr<TaskStore>(std::make_unique<DynamoTaskStore>(std::move(*client)));
}

}  // namespace trainbox::db
