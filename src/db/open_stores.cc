#include <fmt/format.h>

#include <filesystem>

#include "db/dynamodb_config.h"
#include "db/dynamodb_task_store.h"
#include "db/dynamodb_user_store.h"
#include "db/postgres_task_store.h"
#include "db/postgres_user_store.h"
#include "db/sqlite_task_store.h"
#include "db/sqlite_user_store.h"
#include "db/task_store.h"
#include "db/user_store.h"

namespace trainbox::db {

namespace {

constexpr std::string_view kSqlite = "sqlite://";

bool is_postgres_url(std::string_view url) {
  return url.starts_with("postgresql://") || url.starts_with("postgres://");
}

// The file of a sqlite:// URL, its folder created; kInvalidArgument for an empty path.
Result<std::string> sqlite_path(std::string_view url) {
  std::string path(url.substr(kSqlite.size()));
  if (path.empty()) {
    return fail(ErrorCode::kInvalidArgument, "invalid_database_url",
                "sqlite URL needs a path, e.g. sqlite:///var/lib/trainbox/trainbox.db");
  }
  if (path != ":memory:") {
    std::error_code ignored;
    std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ignored);
  }
  return path;
}

tl::unexpected<Error> unknown_url(std::string_view url) {
  return fail(ErrorCode::kInvalidArgument, "invalid_database_url",
              fmt::format("unknown database URL '{}': expected sqlite:///path/trainbox.db, "
                          "postgresql://user:pass@host:port/db or "
                          "dynamodb://TABLE?region=REGION[&endpoint=http://host:port]",
                          url));
}

}  // namespace

Result<std::unique_ptr<TaskStore>> open_task_store(std::string_view url) {
  if (url.starts_with(kSqlite)) {
    auto path = sqlite_path(url);
    if (!path) return fail(path.error());
    return open_sqlite_task_store(*path);
  }
  if (is_postgres_url(url)) return open_postgres_task_store(url);
  if (is_dynamodb_url(url)) return open_dynamodb_task_store(url);
  return unknown_url(url);
}

Result<std::unique_ptr<UserStore>> open_user_store(std::string_view url) {
  if (url.starts_with(kSqlite)) {
    auto path = sqlite_path(url);
    if (!path) return fail(path.error());
    return open_sqlite_user_store(*path);
  }
  if (is_postgres_url(url)) return open_postgres_user_store(url);
  if (is_dynamodb_url(url)) return open_dynamodb_user_store(url);
  return unknown_url(url);
}

}  // namespace trainbox::db
