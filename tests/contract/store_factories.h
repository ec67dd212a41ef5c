#pragma once
// The database backends every store contract suite (tasks, users) runs against. A new backend
// adds one entry to kStoreFactories. PostgreSQL runs on the fixture server that ctest starts
// (tests/servers/postgres.sh), one fresh database per test.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "db/pg_connection.h"
#include "tests/support/test_servers.h"
#include "util/ids.h"

namespace trainbox::db {

struct StoreFactory {
  std::string name;
  // The URL of an empty store; "" (after reporting a failure) when its server is missing.
  std::function<std::string(const std::filesystem::path& scratch)> url;
  std::function<void(const std::string& url)> drop;  // removes what url() made, if anything
};

// Test names and failure messages show the backend, not the struct's bytes.
inline void PrintTo(const StoreFactory& factory, std::ostream* out) { *out << factory.name; }

// Runs one statement on the fixture PostgreSQL server's own database.
inline void postgres_admin(const std::string& sql) {
  auto admin = parse_pg_url(testing::test_server_url("postgres").value_or(""));
  ASSERT_TRUE(admin) << admin.error().message;
  auto connection = PgConnection::open(*admin);
  ASSERT_TRUE(connection) << connection.error().message;
  auto done = (*connection)->exec(sql);
  ASSERT_TRUE(done) << done.error().message;
}

inline std::string fresh_postgres_database(const std::filesystem::path&) {
  auto server = testing::test_server_url("postgres");
  if (!server) {
    ADD_FAILURE() << testing::missing_server_message("postgres");
    return "";
  }
  std::string name = "contract_" + new_task_id();
  postgres_admin("CREATE DATABASE " + name);
  return pg_url_with_database(*server, name);
}

inline void drop_postgres_database(const std::string& url) {
  if (auto parsed = parse_pg_url(url)) {
    postgres_admin("DROP DATABASE IF EXISTS " + parsed->database + " WITH (FORCE)");
  }
}

inline const StoreFactory kStoreFactories[] = {
    {"SqliteMemory", [](const std::filesystem::path&) { return std::string("sqlite://:memory:"); },
     nullptr},
    {"SqliteFile",
     [](const std::filesystem::path& scratch) { return "sqlite://" + (scratch / "t.db").string(); },
     nullptr},
    {"Postgres", fresh_postgres_database, drop_postgres_database},
};

}  // namespace trainbox::db
