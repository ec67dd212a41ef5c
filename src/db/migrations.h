#pragma once
// Schema migrations, numbered from 1 and applied in order at open. Each store records the highest
// applied number in schema_version, so upgrades run once and a newer database is refused.

#include <string_view>
#include <vector>

namespace trainbox::db {

struct Migration {
  int version;
  std::string_view sql;  // portable SQL: runs on SQLite and PostgreSQL
};

const std::vector<Migration>& migrations();

}  // namespace trainbox::db
