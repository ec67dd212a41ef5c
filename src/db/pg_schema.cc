#include "db/pg_schema.h"

#include <fmt/format.h>

#include <charconv>

namespace trainbox::db {
namespace {
// Held by the migrating transaction: "trainbox" in ASCII.
constexpr int64_t kSchemaLockKey = 0x747261696e626f78;
}  // namespace

PgSchema::~PgSchema() {
  if (in_transaction_) rollback();
}

Status PgSchema::begin_locked() {
  TRAINBOX_TRY(connection_.exec("BEGIN"));
  in_transaction_ = true;
  return execute(fmt::format("SELECT pg_advisory_xact_lock({})", kSchemaLockKey));
}

Status PgSchema::execute(std::string_view sql) {
  TRAINBOX_TRY(connection_.exec(sql));
  return {};
}

Result<int64_t> PgSchema::query_integer(std::string_view sql) {
  auto rows = connection_.exec(sql);
  if (!rows) return fail(rows.error());
  if (rows->rows.empty() || rows->rows.front().empty() || !rows->rows.front().front()) {
    return fail(ErrorCode::kInternal, "database_error", "schema query returned no row");
  }
  const std::string& value = *rows->rows.front().front();
  int64_t parsed = 0;
  std::from_chars(value.data(), value.data() + value.size(), parsed);
  return parsed;
}

Status PgSchema::commit() {
  TRAINBOX_TRY(execute("COMMIT"));
  in_transaction_ = false;
  return {};
}

void PgSchema::rollback() {
  in_transaction_ = false;
  (void)connection_.exec("ROLLBACK");
}

}  // namespace trainbox::db
