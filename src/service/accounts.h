#pragma once
// Accounts: who may use the API. Users hold one API token each (256-bit random, stored as its
// SHA-256 only, issued once and never shown again); a request's bearer token becomes a Caller.
// On a first start with no users, bootstrap() creates the admin and a one-time sign-in code (as
// Jupyter prints a token URL): the page exchanges the code for the admin's first token.
// With AuthMode::kNone every request is the unrestricted caller. Safe for concurrent use.

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/user.h"
#include "db/user_store.h"
#include "service/caller.h"
#include "util/clock.h"

namespace trainbox::service {

enum class AuthMode { kTokens, kNone };

struct IssuedToken {
  core::User user;
  std::string token;  // the only time it exists in clear
};

class Accounts {
 public:
  static constexpr int64_t kSignInCodeLifetimeMs = int64_t{24} * 3600 * 1000;
  static constexpr const char* kFirstAdmin = "admin";

  Accounts(db::UserStore& users, const Clock& clock, AuthMode mode);

  AuthMode mode() const { return mode_; }
  // The caller behind a bearer token. kUnauthenticated "unauthorized" for a missing, malformed or
  // unknown token (one message for all three, so tokens cannot be probed).
  Result<Caller> authenticate(std::optional<std::string_view> bearer_token);

  // kInvalidArgument "invalid_user_name"; kConflict "user_exists".
  Result<IssuedToken> add_user(std::string_view name, bool is_admin);
  // A new token for `name`; the old one stops working at once. kNotFound "user_not_found".
  Result<IssuedToken> rotate_token(std::string_view name);
  // kNotFound "user_not_found"; kConflict "last_admin" for the only admin. The user's tasks stay,
  // visible to admins.
  Status remove_user(std::string_view name);
  Result<std::vector<core::User>> list_users();

  // With no user at all: creates the admin (its token unknown to anyone) and returns a one-time
  // sign-in code, valid for kSignInCodeLifetimeMs in this process. nullopt when users exist.
  Result<std::optional<std::string>> bootstrap();
  // Exchanges the one-time code for a fresh admin token. kUnauthenticated "invalid_sign_in_code"
  // for a wrong, used or expired code.
  Result<IssuedToken> redeem_sign_in_code(std::string_view code);

 private:
  db::UserStore& users_;
  const Clock& clock_;
  const AuthMode mode_;
  std::mutex code_mutex_;
  std::string code_hash_;  // SHA-256 of the pending sign-in code; "" = none
  int64_t code_expires_ms_ = 0;
};

}  // namespace trainbox::service
