#include "db/dynamodb_key_guards.h"

#include <chrono>

#include "db/dynamodb_item.h"
#include "db/dynamodb_reads.h"
#include "db/dynamodb_writes.h"

namespace trainbox::db::dynamo {
namespace {

using nlohmann::json;

constexpr int64_t kOrphanAgeMs = 60'000;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

json guard_item(std::string_view key, std::string_view id) {
  return {{kPk, s(key_guard_pk(key))}, {"task_id", s(id)}, {"at_ms", n(wall_ms())}};
}

tl::unexpected<Error> taken() {
  return fail(ErrorCode::kConflict, "idempotency_key_taken",
              "another task was created with this Idempotency-Key");
}

}  // namespace

Result<bool> KeyGuards::take(std::string_view key, std::string_view id) {
  // Three rounds: a guard given back between our put and our read is tried again.
  for (int round = 0; round < 3; ++round) {
    auto put = put_item(*client_, guard_item(key, id),
                        {.pk = "", .condition = "attribute_not_exists(#pk)"});
    if (!put) return fail(put.error());
    if (!put->condition_failed) return true;
    auto guard = get_item(*client_, key_guard_pk(key));
    if (!guard) return fail(guard.error());
    if (!*guard) continue;
    std::string holder_id = get_s(**guard, "task_id");
    if (holder_id == id) return false;  // a repeated insert of this task (or our lost attempt)
    auto left_over = abandoned(key, holder_id, get_n(**guard, "at_ms"));
    if (!left_over) return fail(left_over.error());
    if (!*left_over) return taken();
    // Take over only the guard we judged, so two takers cannot both win.
    auto over = put_item(
        *client_, guard_item(key, id),
        {.pk = "", .condition = "#task_id = :holder", .values = {{":holder", s(holder_id)}}});
    if (!over) return fail(over.error());
    return over->condition_failed ? Result<bool>(taken()) : Result<bool>(true);
  }
  return taken();
}

Result<bool> KeyGuards::abandoned(std::string_view key, const std::string& holder_id,
                                  int64_t at_ms) {
  auto task = get_item(*client_, task_pk(holder_id));
  if (!task) return fail(task.error());
  if (*task) return get_s(**task, "idempotency_key") != key;
  return wall_ms() - at_ms > kOrphanAgeMs;
}

Status KeyGuards::give_back(std::string_view key, std::string_view id) {
  auto removed = delete_item(
      *client_,
      {.pk = key_guard_pk(key), .condition = "#task_id = :id", .values = {{":id", s(id)}}});
  if (!removed) return fail(removed.error());
  return {};
}

Result<std::optional<std::string>> KeyGuards::holder(std::string_view key) {
  auto guard = get_item(*client_, key_guard_pk(key));
  if (!guard) return fail(guard.error());
  if (!*guard) return std::optional<std::string>();
  return std::optional<std::string>(get_s(**guard, "task_id"));
}

}  // namespace trainbox::db::dynamo
