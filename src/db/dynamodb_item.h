#pragma once
// DynamoDB items of the trainbox table (docs/dynamodb.md): attribute values in DynamoDB's JSON
// form ({"S": "..."}, {"N": "12"}, ...), the key layout, and the Task and User mappings. Every
// Task field is its own attribute, so conditional writes can test and set it; the free-form JSON
// fields (options, dataset, metrics, progress.live) are stored as JSON text, like the SQL stores.
// Pure functions, no I/O.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/task.h"
#include "core/user.h"

namespace trainbox::db::dynamo {

// Attribute names of the keys and the indexes (the table's one key is `pk`).
inline constexpr const char* kPk = "pk";
inline constexpr const char* kListPk = "list_pk";    // "task" | "user": by-created's partition
inline constexpr const char* kListSk = "list_sk";    // tasks: created_at_ms (19 digits) '#' id
inline constexpr const char* kOwnerPk = "owner_pk";  // "o#" + owner: by-owner's partition
inline constexpr const char* kStatus = "status";     // by-status's partition (tasks only)
inline constexpr const char* kByCreated = "by-created";
inline constexpr const char* kByOwner = "by-owner";
inline constexpr const char* kByStatus = "by-status";

// Attribute values.
nlohmann::json s(std::string_view text);
nlohmann::json n(int64_t value);
nlohmann::json d(double value);  // non-finite values are stored as 0
nlohmann::json boolean(bool value);
nlohmann::json null();

// Reads an attribute of an item (a JSON object of attribute values); the fallback when it is
// absent or of another type.
std::string get_s(const nlohmann::json& item, const char* name, std::string fallback = "");
int64_t get_n(const nlohmann::json& item, const char* name, int64_t fallback = 0);
double get_d(const nlohmann::json& item, const char* name, double fallback = 0);
bool get_bool(const nlohmann::json& item, const char* name);

// Primary keys ({"pk": {"S": ...}}) and their pk strings.
std::string task_pk(std::string_view id);
std::string user_pk(std::string_view name);
std::string key_guard_pk(std::string_view idempotency_key);  // holds `task_id`
std::string token_guard_pk(std::string_view token_hash);     // holds `user`
nlohmann::json key_of(std::string_view pk);
// The task id in a task's pk ("" if it is not one).
std::string task_id_of_pk(std::string_view pk);
std::string task_list_sk(int64_t created_at_ms, std::string_view id);
std::string owner_pk(std::string_view owner);

nlohmann::json progress_value(const core::Progress& progress);  // an {"M": ...}
nlohmann::json task_item(const core::Task& task);
core::Task task_from_item(const nlohmann::json& item);
nlohmann::json user_item(const core::User& user);
core::User user_from_item(const nlohmann::json& item);

// {"#a": "a", ...} for every #name in the expressions, so reserved words (status, name, owner,
// error, ...) are always safe; an empty object when there is none.
nlohmann::json names_in(std::string_view expression_a, std::string_view expression_b = "");

}  // namespace trainbox::db::dynamo
