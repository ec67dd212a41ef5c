#pragma once
// UserStore: the accounts, in the same database as the tasks (so every API server of a cluster
// sees the same users). Tokens are looked up by their hash; implementations are safe for
// concurrent use from many threads.

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "core/user.h"
#include "util/result.h"

namespace trainbox::db {

class UserStore {
 public:
  virtual ~UserStore() = default;

  // kConflict "user_exists" when the name is taken.
  virtual Status add(const core::User& user) = 0;
  virtual Result<core::User> get(std::string_view name) = 0;  // kNotFound "user_not_found"
  // The user whose current token hashes to `token_hash`; kNotFound "user_not_found" if none.
  virtual Result<core::User> find_by_token_hash(std::string_view token_hash) = 0;
  virtual Result<std::vector<core::User>> list() = 0;  // by name
  virtual Status remove(std::string_view name) = 0;    // kNotFound "user_not_found"
  // Replaces the user's token (the old one stops working at once). kNotFound "user_not_found".
  virtual Status set_token_hash(std::string_view name, std::string_view token_hash,
                                int64_t now_ms) = 0;
};

// The same URLs as open_task_store(): sqlite://... or postgresql://...
Result<std::unique_ptr<UserStore>> open_user_store(std::string_view url);

}  // namespace trainbox::db
