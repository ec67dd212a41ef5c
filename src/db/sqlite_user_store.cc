// SQLite UserStore: its own connection to the same database file as the tasks (one mutex, like the
// task store; users change rarely and are read once per request).

#include "db/sqlite_user_store.h"

#include <fmt/format.h>

#include <mutex>

#include "db/sqlite_open.h"
#include "db/sqlite_statement.h"

namespace trainbox::db {
namespace {

using core::User;

constexpr const char* kUserColumns =
    "name, is_admin, token_hash, created_at_ms, token_issued_at_ms";

User read_user(const Statement& row) {
  return User{row.text(0), row.integer(1) != 0, row.text(2), row.integer(3), row.integer(4)};
}

tl::unexpected<Error> user_not_found(std::string_view name) {
  return fail(ErrorCode::kNotFound, "user_not_found", fmt::format("no user named '{}'", name));
}

class SqliteUserStore final : public UserStore {
 public:
  explicit SqliteUserStore(sqlite3* db) : db_(db) {}
  ~SqliteUserStore() override { sqlite3_close_v2(db_); }
  SqliteUserStore(const SqliteUserStore&) = delete;
  SqliteUserStore& operator=(const SqliteUserStore&) = delete;

  Status add(const User& user) override {
    std::lock_guard lock(mutex_);
    Statement insert(
        db_, fmt::format("INSERT INTO users ({}) VALUES (?1,?2,?3,?4,?5)", kUserColumns).c_str());
    insert.bind(1, user.name).bind(2, int64_t{user.is_admin ? 1 : 0}).bind(3, user.token_hash);
    insert.bind(4, user.created_at_ms).bind(5, user.token_issued_at_ms);
    auto done = insert.run();
    if (!done && sqlite3_extended_errcode(db_) == SQLITE_CONSTRAINT_PRIMARYKEY) {
      return fail(ErrorCode::kConflict, "user_exists",
                  fmt::format("a user named '{}' already exists", user.name));
    }
    return done;
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
    std::lock_guard lock(mutex_);
    Statement select(db_, fmt::format("SELECT {} FROM users ORDER BY name", kUserColumns).c_str());
    std::vector<User> users;
    while (true) {
      auto row = select.step();
      if (!row) return fail(row.error());
      if (!*row) return users;
      users.push_back(read_user(select));
    }
  }

  Status remove(std::string_view name) override {
    std::lock_guard lock(mutex_);
    Statement del(db_, "DELETE FROM users WHERE name=?1");
    del.bind(1, name);
    TRAINBOX_TRY(del.run());
    if (sqlite3_changes(db_) == 0) return user_not_found(name);
    return {};
  }

  Status set_token_hash(std::string_view name, std::string_view token_hash,
                        int64_t now_ms) override {
    std::lock_guard lock(mutex_);
    Statement update(db_, "UPDATE users SET token_hash=?2, token_issued_at_ms=?3 WHERE name=?1");
    update.bind(1, name).bind(2, token_hash).bind(3, now_ms);
    TRAINBOX_TRY(update.run());
    if (sqlite3_changes(db_) == 0) return user_not_found(name);
    return {};
  }

 private:
  Result<User> select_one(const char* column, std::string_view value) {
    std::lock_guard lock(mutex_);
    Statement select(db_,
                     fmt::format("SELECT {} FROM users WHERE {}=?1", kUserColumns, column).c_str());
    select.bind(1, value);
    auto row = select.step();
    if (!row) return fail(row.error());
    if (!*row) return user_not_found(value);
    return read_user(select);
  }

  std::mutex mutex_;
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<UserStore>> open_sqlite_user_store(const std::string& path) {
  auto db = open_sqlite_database(path);
  if (!db) return fail(db.error());
  return std::unique_ptr<UserStore>(std::make_unique<SqliteUserStore>(*db));
}

}  // namespace trainbox::db
