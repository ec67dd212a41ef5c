#pragma once
// The database backends every store contract suite (tasks, users) runs against. A new backend
// adds one entry to kStoreFactories. PostgreSQL runs on the fixture server that ctest starts
// (tests/servers/postgres.sh), one fresh database per test; DynamoDB on the fixture dynalite
// (tests/servers/dynamodb.sh), one fresh table per test.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>

#include "db/dynamodb_table.h"
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

// dynalite checks that requests are signed but takes any key: fixed ones, unless already set.
inline void dynamodb_test_credentials() {
  setenv("AWS_ACCESS_KEY_ID", "trainbox-test", 0);
  setenv("AWS_SECRET_ACCESS_KEY", "trainbox-test", 0);
}

// The fixture server's URL (dynamodb://trainbox-test?region=...&endpoint=...) for `table`.
inline std::string dynamodb_url_for_table(const std::string& server, const std::string& table) {
  size_t question = server.find('?');
  return "dynamodb://" + table + (question == std::string::npos ? "?" : server.substr(question));
}

inline std::string fresh_dynamodb_table(const std::filesystem::path&) {
  auto server = testing::test_server_url("dynamodb");
  if (!server) {
    ADD_FAILURE() << testing::missing_server_message("dynamodb");
    return "";
  }
  dynamodb_test_credentials();
  return dynamodb_url_for_table(*server, "contract-" + new_task_id()) + "&create_table=1";
}

inline void drop_dynamodb_table(const std::string& url) {
  auto client = dynamodb_client_from_url(url);
  ASSERT_TRUE(client) << client.error().message;
  auto dropped = delete_dynamodb_table(*client);
  EXPECT_TRUE(dropped) << dropped.error().message;
}

inline const StoreFactory kStoreFactories[] = {
    {"SqliteMemory", [](const std::filesystem::path&) { return std::string("sqlite://:memory:"); },
     nullptr},
    {"SqliteFile",
     [](const std::filesystem::path& scratch) { return "sqlite://" + (scratch / "t.db").string(); },
     nullptr},
    {"Postgres", fresh_postgres_database, drop_postgres_database},
    {"Dynamo", fresh_dynamodb_table, drop_dynamodb_table},
};

}  // namespace trainbox::db
