// DynamoDB UserStore. Users change rarely and are read once per request, so the token guard is
// written after the user (add) or before the swap (set_token_hash) and deleted after it: a guard
// is only a pointer, and find_by_token_hash checks that the user it names still holds that hash,
// so a guard left by a crash between two writes never lets an old token in.

#include "db/dynamodb_user_store.h"

#include <fmt/format.h>

#include "db/dynamodb_item.h"
#include "db/dynamodb_reads.h"
#include "db/dynamodb_table.h"
#include "db/dynamodb_writes.h"

namespace trainbox::db {
namespace {

using core::User;
using nlohmann::json;

tl::unexpected<Error> user_not_found(std::string_view name) {
  return fail(ErrorCode::kNotFound, "user_not_found", fmt::format("no user named '{}'", name));
}

class DynamoUserStore final : public UserStore {
 public:
  explicit DynamoUserStore(std::shared_ptr<const DynamoClient> client)
      : client_(std::move(client)) {}

  Status add(const User& user) override;
  Result<User> get(std::string_view name) override;
  Result<User> find_by_token_hash(std::string_view token_hash) override;
  Result<std::vector<User>> list() override;
  Status remove(std::string_view name) override;
  Status set_token_hash(std::string_view name, std::string_view token_hash,
                        int64_t now_ms) override;

 private:
  Status put_guard(std::string_view token_hash, std::string_view name) {
    json guard = {{dynamo::kPk, dynamo::s(dynamo::token_guard_pk(token_hash))},
                  {"user", dynamo::s(name)}};
    TRAINBOX_TRY(dynamo::put_item(*client_, guard, {.pk = ""}));
    return {};
  }
  Status drop_guard(std::string_view token_hash, std::string_view name) {
    if (token_hash.empty()) return {};
    TRAINBOX_TRY(dynamo::delete_item(*client_, {.pk = dynamo::token_guard_pk(token_hash),
                                                .condition = "#user = :name",
                                                .values = {{":name", dynamo::s(name)}}}));
    return {};
  }

  std::shared_ptr<const DynamoClient> client_;
};

Status DynamoUserStore::add(const User& user) {
  auto put = dynamo::put_item(*client_, dynamo::user_item(user),
                              {.pk = "", .condition = "attribute_not_exists(#pk)"});
  if (!put) return fail(put.error());
  if (put->condition_failed) {
    auto stored = get(user.name);  // after a lost attempt, the user may be our own
    if (!put->retried || !stored || stored->token_hash != user.token_hash) {
      return fail(ErrorCode::kConflict, "user_exists",
                  fmt::format("a user named '{}' already exists", user.name));
    }
  }
  return put_guard(user.token_hash, user.name);
}

Result<User> DynamoUserStore::get(std::string_view name) {
  auto item = dynamo::get_item(*client_, dynamo::user_pk(name));
  if (!item) return fail(item.error());
  if (!*item) return user_not_found(name);
  return dynamo::user_from_item(**item);
}

Result<User> DynamoUserStore::find_by_token_hash(std::string_view token_hash) {
  auto nobody = [] {
    return fail(ErrorCode::kNotFound, "user_not_found", "no user holds this token");
  };
  if (token_hash.empty()) return nobody();
  auto guard = dynamo::get_item(*client_, dynamo::token_guard_pk(token_hash));
  if (!guard) return fail(guard.error());
  if (!*guard) return nobody();
  auto user = get(dynamo::get_s(**guard, "user"));
  if (!user && user.error().code == ErrorCode::kNotFound) return nobody();
  if (user && user->token_hash != token_hash) return nobody();  // a retired token's guard
  return user;
}

Result<std::vector<User>> DynamoUserStore::list() {
  auto keys = dynamo::query_index(
      *client_,
      {.index = dynamo::kByCreated, .partition_attribute = dynamo::kListPk, .partition = "user"});
  if (!keys) return fail(keys.error());
  std::vector<std::string> pks;
  for (const auto& key : *keys) pks.push_back(dynamo::get_s(key, dynamo::kPk));
  auto items = dynamo::batch_get(*client_, pks);  // in the index's order: by name
  if (!items) return fail(items.error());
  std::vector<User> users;
  for (const auto& item : *items) users.push_back(dynamo::user_from_item(item));
  return users;
}

Status DynamoUserStore::remove(std::string_view name) {
  auto removed = dynamo::delete_item(*client_, {.pk = dynamo::user_pk(name),
                                                .condition = "attribute_exists(#pk)",
                                                .return_values = "ALL_OLD"});
  if (!removed) return fail(removed.error());
  if (removed->condition_failed) return removed->retried ? Status{} : user_not_found(name);
  return drop_guard(dynamo::get_s(removed->body.value("Attributes", json::object()), "token_hash"),
                    name);
}

Status DynamoUserStore::set_token_hash(std::string_view name, std::string_view token_hash,
                                       int64_t now_ms) {
  TRAINBOX_TRY(put_guard(token_hash, name));
  auto swapped = dynamo::update_item(
      *client_, {.pk = dynamo::user_pk(name),
                 .update = "SET #token_hash = :hash, #token_issued_at_ms = :now",
                 .condition = "attribute_exists(#pk)",
                 .values = {{":hash", dynamo::s(token_hash)}, {":now", dynamo::n(now_ms)}},
                 .return_values = "ALL_OLD"});
  if (!swapped) return fail(swapped.error());
  if (swapped->condition_failed) {
    auto stored = get(name);
    if (swapped->retried && stored && stored->token_hash == token_hash) return {};
    TRAINBOX_TRY(drop_guard(token_hash, name));
    return user_not_found(name);
  }
  std::string old_hash =
      dynamo::get_s(swapped->body.value("Attributes", json::object()), "token_hash");
  return old_hash == token_hash ? Status{} : drop_guard(old_hash, name);
}

}  // namespace

Result<std::unique_ptr<UserStore>> open_dynamodb_user_store(std::string_view url) {
  auto client = open_dynamodb_table(url);
  if (!client) return fail(client.error());
  return std::unique_ptr<UserStore>(std::make_unique<DynamoUserStore>(std::move(*client)));
}

}  // namespace trainbox::db
