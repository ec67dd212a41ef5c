#include "db/migration_runner.h"

#include <fmt/format.h>

#include "db/migrations.h"

namespace trainbox::db {
namespace {

Status apply_pending(SchemaConnection& connection) {
  TRAINBOX_TRY(
      connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  auto version = connection.query_integer("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  if (!version) return fail(version.error());
  int64_t newest = migrations().back().version;
  if (*version > newest) {
    return fail(ErrorCode::kConflict, "schema_too_new",
                fmt::format("database schema version {} is newer than this trainbox ({}); "
                            "upgrade trainbox",
                            *version, newest));
  }
  for (const auto& migration : migrations()) {
    if (migration.version <= *version) continue;
    TRAINBOX_TRY(connection.execute(migration.sql));
    TRAINBOX_TRY(connection.execute(
        fmt::format("INSERT INTO schema_version VALUES ({})", migration.version)));
  }
  return {};
}

}  // namespace

Status apply_migrations(SchemaConnection& connection) {
  TRAINBOX_TRY(connection.begin_locked());
  if (auto applied = apply_pending(connection); !applied) {
    connection.rollback();
    return applied;
  }
  return connection.commit();
}

}  // namespace trainbox::db
