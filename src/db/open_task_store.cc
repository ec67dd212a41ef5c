#include <fmt/format.h>

#include <filesystem>

#include "db/postgres_task_store.h"
#include "db/sqlite_task_store.h"
#include "db/task_store.h"

namespace trainbox::db {

Result<std::unique_ptr<TaskStore>> open_task_store(std::string_view url) {
  constexpr std::string_view kSqlite = "sqlite://";
  if (url.starts_with(kSqlite)) {
    std::string path(url.substr(kSqlite.size()));
    if (path.empty()) {
      return fail(ErrorCode::kInvalidArgument, "invalid_database_url",
                  "sqlite URL needs a path, e.g. sqlite:///var/lib/trainbox/trainbox.db");
    }
    if (path != ":memory:") {
      std::error_code ignored;
      std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
    }
    return open_sqlite_task_store(path);
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return open_postgres_task_store(url);
  }
  return fail(ErrorCode::kInvalidArgument, "invalid_database_url",
              fmt::format("unknown database URL '{}': expected sqlite:///path/trainbox.db or "
                          "postgresql://user:pass@host:port/db",
                          url));
}

}  // namespace trainbox::db
