#pragma once
// The migration runner's view of one pooled PostgreSQL session, held for the whole migration. A
// transaction still open when it goes (a failed begin_locked or commit) is rolled back, so the
// session goes back to the pool clean. The schema lock is a transaction-scoped advisory lock.

#include "db/migration_runner.h"
#include "db/pg_connection.h"

namespace trainbox::db {

class PgSchema final : public SchemaConnection {
 public:
  explicit PgSchema(PgConnection& connection) : connection_(connection) {}
  ~PgSchema() override;
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;

  Status begin_locked() override;
  Status execute(std::string_view sql) override;
  Result<int64_t> query_integer(std::string_view sql) override;
  Status commit() override;
  void rollback() override;

 private:
  PgConnection& connection_;
  bool in_transaction_ = false;
};

}  // namespace trainbox::db
