#pragma once

#include <memory>
#include <string>

#include "db/user_store.h"

namespace trainbox::db {

// Opens (creating if needed) the SQLite database at `path` and applies migrations.
Result<std::unique_ptr<UserStore>> open_sqlite_user_store(const std::string& path);

}  // namespace trainbox::db
