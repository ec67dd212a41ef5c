#pragma once

#include <memory>
#include <string_view>

#include "db/task_store.h"

namespace trainbox::db {

// Opens the TaskStore in the PostgreSQL database of `url` ("postgresql://user:pass@host:port/db"
// with libpq's own query options, plus trainbox's pool_size=N, default 4) and applies the
// migrations, once even when several servers start together. kInvalidArgument
// "invalid_database_url" for a malformed URL; kUnavailable "database_unavailable" when the server
// cannot be reached.
Result<std::unique_ptr<TaskStore>> open_postgres_task_store(std::string_view url);

}  // namespace trainbox::db
