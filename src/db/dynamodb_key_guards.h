#pragma once
// Idempotency-Key uniqueness for the DynamoDB TaskStore without transactions (dynalite, the test
// server, has no TransactWriteItems): one guard item per key, pk "idem#KEY", holding the id of
// the task that owns it. insert() takes the guard (a conditional put) before it puts the task;
// remove() and release_idempotency_key() delete it after the task gave the key up.
// A crash between the two writes leaves a guard whose task does not exist: it is taken over once
// it is a minute old (younger, its insert may still be on its way). Thread-safe (stateless).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "db/dynamodb_client.h"
#include "util/result.h"

namespace trainbox::db::dynamo {

class KeyGuards {
 public:
  explicit KeyGuards(std::shared_ptr<const DynamoClient> client) : client_(std::move(client)) {}

  // Takes `key` for task `id`: true when this call took it (a failed insert gives it back), false
  // when task `id` already held it; kConflict "idempotency_key_taken" when another task does.
  Result<bool> take(std::string_view key, std::string_view id);
  // Deletes the guard of `key` if it still names task `id`.
  Status give_back(std::string_view key, std::string_view id);
  // The id of the task the guard of `key` names; nullopt when there is no guard.
  Result<std::optional<std::string>> holder(std::string_view key);

 private:
  // Whether the guard naming `holder_id` (written at `at_ms`) is left over: its task is gone or
  // no longer holds the key.
  Result<bool> abandoned(std::string_view key, const std::string& holder_id, int64_t at_ms);

  std::shared_ptr<const DynamoClient> client_;
};

}  // namespace trainbox::db::dynamo
