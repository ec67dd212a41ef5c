#include "service/accounts.h"

#include <fmt/format.h>

#include "util/log.h"
#include "util/secret.h"
#include "util/sha256.h"

namespace trainbox::service {
namespace {

tl::unexpected<Error> unauthorized() {
  return fail(ErrorCode::kUnauthenticated, "unauthorized",
              "sign in: send 'Authorization: Bearer <token>' (a token comes from "
              "`trainbox users add NAME` or `trainbox users token NAME`)");
}

}  // namespace

Accounts::Accounts(db::UserStore& users, const Clock& clock, AuthMode mode)
    : users_(users), clock_(clock), mode_(mode) {}

Result<Caller> Accounts::authenticate(std::optional<std::string_view> bearer_token) {
  if (mode_ == AuthMode::kNone) return unrestricted_caller();
  if (!bearer_token || !looks_like_api_token(*bearer_token)) return unauthorized();
  std::string hash = sha256_hex_of(*bearer_token);
  auto user = users_.find_by_token_hash(hash);
  if (!user) {
    if (user.error().code == ErrorCode::kNotFound) return unauthorized();
    return fail(user.error());
  }
  // The store matched on the hash; compare again without an early exit, so no code path's
  // timing depends on how much of a guessed token was right.
  if (!constant_time_equal(user->token_hash, hash)) return unauthorized();
  return Caller{user->name, user->is_admin};
}

Result<IssuedToken> Accounts::add_user(std::string_view name, bool is_admin) {
  if (!core::is_valid_user_name(name)) {
    return fail(ErrorCode::kInvalidArgument, "invalid_user_name",
                fmt::format("'{}' is not a valid user name: use 1-64 lowercase letters, digits, "
                            "'.', '_' or '-', starting with a letter or digit",
                            name.substr(0, 80)));
  }
  IssuedToken issued;
  issued.token = new_api_token();
  int64_t now = clock_.now_ms();
  issued.user = core::User{std::string(name), is_admin, sha256_hex_of(issued.token), now, now};
  TRAINBOX_TRY(users_.add(issued.user));
  TRAINBOX_LOG_INFO("user '{}' added{}", issued.user.name, is_admin ? " (admin)" : "");
  return issued;
}

Result<IssuedToken> Accounts::rotate_token(std::string_view name) {
  auto user = users_.get(name);
  if (!user) return fail(user.error());
  IssuedToken issued{*user, new_api_token()};
  issued.user.token_hash = sha256_hex_of(issued.token);
  issued.user.token_issued_at_ms = clock_.now_ms();
  TRAINBOX_TRY(users_.set_token_hash(name, issued.user.token_hash, issued.user.token_issued_at_ms));
  TRAINBOX_LOG_INFO("user '{}' has a new token", issued.user.name);
  return issued;
}

Status Accounts::remove_user(std::string_view name) {
  auto user = users_.get(name);
  if (!user) return fail(user.error());
  if (user->is_admin) {
    auto all = users_.list();
    if (!all) return fail(all.error());
    int admins = 0;
    for (const auto& other : *all) admins += other.is_admin ? 1 : 0;
    if (admins <= 1) {
      return fail(ErrorCode::kConflict, "last_admin",
                  fmt::format("'{}' is the only admin; add another admin first", name));
    }
  }
  TRAINBOX_TRY(users_.remove(name));
  TRAINBOX_LOG_INFO("user '{}' removed", name);
  return {};
}

Result<std::vector<core::User>> Accounts::list_users() { return users_.list(); }

Result<std::optional<std::string>> Accounts::bootstrap() {
  if (mode_ == AuthMode::kNone) return std::optional<std::string>();
  auto all = users_.list();
  if (!all) return fail(all.error());
  if (!all->empty()) return std::optional<std::string>();
  auto admin = add_user(kFirstAdmin, /*is_admin=*/true);
  // Another server of the cluster may have created it a moment ago: then it prints the code.
  if (!admin && admin.error().slug == "user_exists") return std::optional<std::string>();
  if (!admin) return fail(admin.error());
  std::string code = random_hex(16);
  std::lock_guard lock(code_mutex_);
  code_hash_ = sha256_hex_of(code);
  code_expires_ms_ = clock_.now_ms() + kSignInCodeLifetimeMs;
  return std::optional<std::string>(code);
}

Result<IssuedToken> Accounts::redeem_sign_in_code(std::string_view code) {
  {
    std::lock_guard lock(code_mutex_);
    bool valid = !code_hash_.empty() && clock_.now_ms() < code_expires_ms_ &&
                 constant_time_equal(code_hash_, sha256_hex_of(code));
    if (!valid) {
      return fail(ErrorCode::kUnauthenticated, "invalid_sign_in_code",
                  "this sign-in code is wrong, used or expired; sign in with a token from "
                  "`trainbox users token admin`");
    }
    code_hash_.clear();  // one use
  }
  return rotate_token(kFirstAdmin);
}

}  // namespace trainbox::service
