#pragma once
// Opens a SQLite database the way every SQLite store here uses it: WAL (other processes read while
// we write), synchronous=FULL (a committed row is durable), a 5 s busy timeout, foreign keys, and
// the migrations applied. Only src/db/sqlite_* include this (sqlite3.h stays there).

#include <sqlite3.h>

#include <string>

#include "util/result.h"

namespace trainbox::db {

// `path` may be ":memory:". The caller owns the handle (sqlite3_close_v2). kUnavailable
// "database_unavailable" when it cannot be opened; the migration runner's errors otherwise.
Result<sqlite3*> open_sqlite_database(const std::string& path);

}  // namespace trainbox::db
