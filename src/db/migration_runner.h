#pragma once
// One runner for the numbered migrations of migrations.cc, whatever the database: each store
// gives it a SchemaConnection. Every pending migration and its schema_version row commit together,
// inside one transaction that holds the schema lock, so two servers starting at once apply each
// migration once, and a database newer than this trainbox is refused.

#include <cstdint>
#include <string_view>

#include "util/result.h"

namespace trainbox::db {

class SchemaConnection {
 public:
  virtual ~SchemaConnection() = default;
  // Starts a transaction that holds the schema lock until commit or rollback (SQLite: BEGIN
  // IMMEDIATE; PostgreSQL: an advisory transaction lock).
  virtual Status begin_locked() = 0;
  virtual Status execute(std::string_view sql) = 0;
  // The first column of the first row of a query that returns one integer.
  virtual Result<int64_t> query_integer(std::string_view sql) = 0;
  virtual Status commit() = 0;
  virtual void rollback() = 0;
};

Status apply_migrations(SchemaConnection& connection);

}  // namespace trainbox::db
