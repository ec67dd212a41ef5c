#pragma once
// The conditional UpdateItem of every TaskStore state change, as pure functions: each mirrors one
// UPDATE ... WHERE of the SQL stores (sqlite_task_store.cc), its WHERE becoming the
// ConditionExpression, so a write applies only to a task in the expected state and a failed
// condition means "the task had moved" (false / a no-op), exactly as "0 rows changed" there.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/task.h"
#include "db/dynamodb_writes.h"

namespace trainbox::db::dynamo {

Write claim_write(std::string_view id, int64_t now_ms, std::string_view worker_id);
Write requeue_stale_write(std::string_view id, int64_t heartbeat_before_ms);
Write release_write(std::string_view id, std::string_view worker_id);
Write progress_write(std::string_view id, const core::Progress& progress, int64_t now_ms);
Write heartbeat_write(std::string_view id, int64_t now_ms);
Write dataset_write(std::string_view id, const nlohmann::json& dataset,
                    const std::vector<std::string>& classes);
Write finish_write(std::string_view id, const core::Completion& completion, int64_t now_ms);
Write cancel_queued_write(std::string_view id, int64_t now_ms);  // returns ALL_NEW
Write cancel_running_write(std::string_view id);                 // returns ALL_NEW
Write release_key_write(std::string_view id, std::string_view key, int64_t created_before_ms);

}  // namespace trainbox::db::dynamo
