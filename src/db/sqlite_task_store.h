#pragma once

#include <filesystem>
#include <memory>

#include "db/task_store.h"

namespace trainbox::db {

// Opens (creating if needed) a SQLite database in WAL mode and applies migrations.
// `path` may be ":memory:" for tests.
Result<std::unique_ptr<TaskStore>> open_sqlite_task_store(const std::string& path);

}  // namespace trainbox::db
