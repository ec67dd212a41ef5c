#pragma once
// A prepared SQLite statement with typed binds whose errors become Error values, and a plain
// exec. Only the SQLite store includes this (sqlite3.h stays inside src/db/sqlite_*).

#include <fmt/format.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace trainbox::db {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int index, std::string_view text) {
    if (rc_ == SQLITE_OK) {
      rc_ = sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                              SQLITE_TRANSIENT);
    }
    return *this;
  }
  Statement& bind(int index, int64_t value) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_int64(stmt_, index, value);
    return *this;
  }
  Statement& bind_null(int index) {
    if (rc_ == SQLITE_OK) rc_ = sqlite3_bind_null(stmt_, index);
    return *this;
  }
  // Returns true while a row is available.
  Result<bool> step() {
    if (rc_ != SQLITE_OK) return failure();
    int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    rc_ = rc;
    return failure();
  }
  Status run() {
    auto stepped = step();
    if (!stepped) return fail(stepped.error());
    return {};
  }
  std::string text(int column) const {
    auto* raw = sqlite3_column_text(stmt_, column);
    return raw ? std::string(reinterpret_cast<const char*>(raw)) : std::string();
  }
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  int64_t integer(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  tl::unexpected<Error> failure() const {
    ErrorCode code = (rc_ == SQLITE_BUSY || rc_ == SQLITE_LOCKED) ? ErrorCode::kUnavailable
                     : rc_ == SQLITE_FULL                         ? ErrorCode::kInsufficientStorage
                                                                  : ErrorCode::kInternal;
    return fail(code, "database_error", fmt::format("database: {}", sqlite3_errmsg(db_)));
  }
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

// Runs `sql` (one or more statements without results).
inline Status sqlite_exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "unknown error";
    sqlite3_free(message);
    return fail(ErrorCode::kInternal, "database_error", "database: " + text);
  }
  return {};
}

}  // namespace trainbox::db
