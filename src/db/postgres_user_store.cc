// PostgreSQL UserStore over a PgPool. Every statement is safe to run twice, so the pool's
// reconnect-and-retry applies; an INSERT retried after a lost attempt that had committed finds its
// own row and counts as done.

#include "db/postgres_user_store.h"

#include <fmt/format.h>

#include "db/pg_connection.h"
#include "db/pg_schema.h"

namespace trainbox::db {
namespace {

using core::User;

constexpr const char* kUserColumns =
    "name, is_admin, token_hash, created_at_ms, token_issued_at_ms";

std::string cell(const PgRow& row, size_t column) {
  return column < row.size() && row[column] ? *row[column] : std::string();
}

int64_t cell_integer(const PgRow& row, size_t column) {
  std::string value = cell(row, column);
  return value.empty() ? 0 : std::stoll(value);
}

User read_user(const PgRow& row) {
  return User{cell(row, 0), cell_integer(row, 1) != 0, cell(row, 2), cell_integer(row, 3),
              cell_integer(row, 4)};
}

tl::unexpected<Error> user_not_found(std::string_view name) {
  return fail(ErrorCode::kNotFound, "user_not_found", fmt::format("no user named '{}'", name));
}

class PostgresUserStore final : public UserStore {
 public:
  explicit PostgresUserStore(std::unique_ptr<PgPool> pool) : pool_(std::move(pool)) {}

  Status add(const User& user) override {
    auto inserted = pool_->exec(
        fmt::format("INSERT INTO users ({}) VALUES ($1,$2,$3,$4,$5) ON CONFLICT (name) DO NOTHING",
                    kUserColumns),
        {user.name, user.is_admin ? "1" : "0", user.token_hash, std::to_string(user.created_at_ms),
         std::to_string(user.token_issued_at_ms)});
    if (!inserted) return fail(inserted.error());
    if (inserted->affected > 0) return {};
    if (inserted->retried) {
      auto stored = get(user.name);
      if (stored && stored->token_hash == user.token_hash) return {};
    }
    return fail(ErrorCode::kConflict, "user_exists",
                fmt::format("a user named '{}' already exists", user.name));
  }

  Result<User> get(std::string_view name) override { return select_one("name", name); }

  Result<User> find_by_token_hash(std::string_view token_hash) override {
    auto found = select_one("token_hash", token_hash);
    if (!found && found.error().code == ErrorCode::kNotFound) {
      return fail(ErrorCode::kNotFound, "user_not_found", "no user holds this token");
    }
    return found;
  }

  Result<std::vector<User>> list() override {
    auto rows = pool_->exec(fmt::format("SELECT {} FROM users ORDER BY name", kUserColumns));
    if (!rows) return fail(rows.error());
    std::vector<User> users;
    for (const auto& row : rows->rows) users.push_back(read_user(row));
    return users;
  }

  Status remove(std::string_view name) override {
    auto removed = pool_->exec("DELETE FROM users WHERE name=$1", {std::string(name)});
    if (!removed) return fail(removed.error());
    if (removed->affected == 0 && !removed->retried) return user_not_found(name);
    return {};
  }

  Status set_token_hash(std::string_view name, std::string_view token_hash,
                        int64_t now_ms) override {
    auto updated =
        pool_->exec("UPDATE users SET token_hash=$2, token_issued_at_ms=$3 WHERE name=$1",
                    {std::string(name), std::string(token_hash), std::to_string(now_ms)});
    if (!updated) return fail(updated.error());
    if (updated->affected == 0 && !updated->retried) return user_not_found(name);
    return {};
  }

  Status migrate() {
    auto lease = pool_->checkout();
    if (!lease) return fail(lease.error());
    PgSchema schema(**lease);
    return apply_migrations(schema);
  }

 private:
  Result<User> select_one(const char* column, std::string_view value) {
    auto rows = pool_->exec(fmt::format("SELECT {} FROM users WHERE {}=$1", kUserColumns, column),
                            {std::string(value)});
    if (!rows) return fail(rows.error());
    if (rows->rows.empty()) return user_not_found(value);
    return read_user(rows->rows.front());
  }

  std::unique_ptr<PgPool> pool_;
};

}  // namespace

Result<std::unique_ptr<UserStore>> open_postgres_user_store(std::string_view url) {
  auto parsed = parse_pg_url(url);
  if (!parsed) return fail(parsed.error());
  if (url.find("pool_size=") == std::string_view::npos) parsed->pool_size = 2;
  auto pool = PgPool::open(*parsed);
  if (!pool) return fail(pool.error());
  auto store = std::make_unique<PostgresUserStore>(std::move(*pool));
  TRAINBOX_TRY(store->migrate());
  return std::unique_ptr<UserStore>(std::move(store));
}

}  // namespace trainbox::db
