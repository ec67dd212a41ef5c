#include "db/sqlite_open.h"

#include <fmt/format.h>

#include "db/migration_runner.h"
#include "db/sqlite_statement.h"

namespace trainbox::db {
namespace {

// The migration runner's view of a SQLite connection.
class SqliteSchema final : public SchemaConnection {
 public:
  explicit SqliteSchema(sqlite3* db) : db_(db) {}
  Status begin_locked() override { return sqlite_exec(db_, "BEGIN IMMEDIATE"); }
  Status execute(std::string_view sql) override { return sqlite_exec(db_, std::string(sql)); }
  Result<int64_t> query_integer(std::string_view sql) override {
    Statement query(db_, std::string(sql).c_str());
    TRAINBOX_TRY(query.step());
    return query.integer(0);
  }
  Status commit() override { return sqlite_exec(db_, "COMMIT"); }
  void rollback() override { (void)sqlite_exec(db_, "ROLLBACK"); }

 private:
  sqlite3* db_;
};

}  // namespace

Result<sqlite3*> open_sqlite_database(const std::string& path) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return fail(ErrorCode::kUnavailable, "database_unavailable",
                fmt::format("cannot open SQLite database '{}': {}", path, message));
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;",
               nullptr, nullptr, nullptr);
  SqliteSchema schema(db);
  auto migrated = apply_migrations(schema);
  if (!migrated) {
    sqlite3_close_v2(db);
    return fail(migrated.error());
  }
  return db;
}

}  // namespace trainbox::db
