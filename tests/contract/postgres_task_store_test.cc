// What only the PostgreSQL TaskStore has to show: URL handling, migrations under the advisory
// lock, a pool shared by many threads, and outages (lost connections, a stopped server) that end
// as kUnavailable "database_unavailable" and heal without reopening the store. Most tests use the
// fixture server that ctest starts; the outage test stops and restarts a server of its own.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "db/migrations.h"
#include "db/pg_connection.h"
#include "db/task_store.h"
#include "db/user_store.h"
#include "tests/support/test_servers.h"
#include "util/fs.h"
#include "util/ids.h"

#ifndef TRAINBOX_SOURCE_TREE
#define TRAINBOX_SOURCE_TREE "."
#endif

namespace trainbox::db {
namespace {

using core::Task;
using core::TaskStatus;

std::string server_url() {
  auto url = testing::test_server_url("postgres");
  return url ? *url : std::string();
}

Result<PgRows> run_sql(const std::string& url, const std::string& sql,
                       const PgParams& params = {}) {
  auto parsed = parse_pg_url(url);
  if (!parsed) return fail(parsed.error());
  auto connection = PgConnection::open(*parsed);
  if (!connection) return fail(connection.error());
  return (*connection)->exec(sql, params);
}

// An empty database on `server` for one test, dropped (with its sessions) at the end.
class ScratchDatabase {
 public:
  explicit ScratchDatabase(std::string server) : server_(std::move(server)) {
    auto created = run_sql(server_, "CREATE DATABASE " + name_);
    EXPECT_TRUE(created) << created.error().message;
  }
  ~ScratchDatabase() {
    (void)run_sql(server_, "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  }
  std::string url() const { return pg_url_with_database(server_, name_); }
  const std::string& name() const { return name_; }

 private:
  std::string server_;
  std::string name_ = "pgtest_" + new_task_id();
};

Task make_task(int64_t created_at_ms) {
  Task task;
  task.id = new_task_id();
  task.created_at_ms = created_at_ms;
  task.dataset_key = "tasks/" + task.id + "/dataset.zip";
  return task;
}

class PostgresTaskStore : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(server_url().empty()) << testing::missing_server_message("postgres");
    database_ = std::make_unique<ScratchDatabase>(server_url());
  }
  std::unique_ptr<ScratchDatabase> database_;
};

TEST(PostgresUrl, StripsPoolSizeKeepsLibpqOptionsAndHidesThePassword) {
  auto parsed =
      parse_pg_url("postgresql://app:s3cret@db.example:6543/tasks?pool_size=8&sslmode=disable");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->pool_size, 8);
  EXPECT_EQ(parsed->database, "tasks");
  EXPECT_EQ(parsed->where, "db.example:6543/tasks");
  EXPECT_EQ(parsed->libpq_uri.find("pool_size"), std::string::npos);
  EXPECT_NE(parsed->libpq_uri.find("sslmode=disable"), std::string::npos);
  auto plain = parse_pg_url("postgres://localhost/db");
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(plain->pool_size, 4);
  EXPECT_EQ(plain->where, "localhost:5432/db");
}

TEST(PostgresUrl, RefusesABadPoolSizeOrAnOptionLibpqDoesNotKnow) {
  for (const char* url : {"postgresql://h/db?pool_size=0", "postgresql://h/db?pool_size=x",
                          "postgresql://h/db?pool_size=1000", "postgresql://h/db?bogus=1"}) {
    auto opened = open_task_store(url);
    ASSERT_FALSE(opened) << url;
    EXPECT_EQ(opened.error().code, ErrorCode::kInvalidArgument) << url;
    EXPECT_EQ(opened.error().slug, "invalid_database_url") << url;
  }
}

TEST(PostgresUrl, WithDatabaseKeepsCredentialsAndOptions) {
  EXPECT_EQ(pg_url_with_database("postgresql://u:p@h:1/old?sslmode=disable", "new"),
            "postgresql://u:p@h:1/new?sslmode=disable");
  EXPECT_EQ(pg_url_with_database("postgresql://h:1", "new"), "postgresql://h:1/new");
}

int closed_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);  // nothing listens there now
  return ntohs(address.sin_port);
}

TEST(PostgresOpen, ServerDownIsUnavailableNamingHostPortNotThePassword) {
  int port = closed_port();
  auto opened =
      open_task_store("postgresql://trainbox:s3cret@127.0.0.1:" + std::to_string(port) + "/x");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(opened.error().slug, "database_unavailable");
  EXPECT_NE(opened.error().message.find("127.0.0.1:" + std::to_string(port)), std::string::npos)
      << opened.error().message;
  EXPECT_EQ(opened.error().message.find("s3cret"), std::string::npos) << opened.error().message;
}

TEST_F(PostgresTaskStore, MissingDatabaseIsAClearError) {
  auto opened = open_task_store(pg_url_with_database(server_url(), "no_such_database"));
  ASSERT_FALSE(opened);
  EXPECT_NE(opened.error().message.find("no_such_database"), std::string::npos)
      << opened.error().message;
}

TEST_F(PostgresTaskStore, StoresOpeningTogetherMigrateOnce) {
  std::vector<std::thread> threads;
  std::atomic<int> opened{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto store = open_task_store(database_->url());
      EXPECT_TRUE(store) << store.error().message;
      if (store) ++opened;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(opened.load(), 4);
  auto versions = run_sql(database_->url(),
                          "SELECT version, COUNT(*) FROM schema_version GROUP BY version "
                          "ORDER BY version");
  ASSERT_TRUE(versions) << versions.error().message;
  ASSERT_EQ(versions->rows.size(), migrations().size());
  for (size_t i = 0; i < versions->rows.size(); ++i) {
    EXPECT_EQ(versions->rows[i][0], std::to_string(i + 1));
    EXPECT_EQ(versions->rows[i][1], "1") << "version " << i + 1 << " applied more than once";
  }
}

TEST_F(PostgresTaskStore, SurvivesReopen) {
  Task task = make_task(1);
  {
    auto store = open_task_store(database_->url()).value();
    ASSERT_TRUE(store->insert(task));
    ASSERT_TRUE(store->claim(task.id, 5000, "worker-a").value());
  }
  auto reopened = open_task_store(database_->url());
  ASSERT_TRUE(reopened) << reopened.error().message;
  auto got = (*reopened)->get(task.id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->status, TaskStatus::kRunning);
  EXPECT_EQ(got->worker_id, "worker-a");
  auto versions = run_sql(database_->url(), "SELECT COUNT(*) FROM schema_version");
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->rows.at(0).at(0), std::to_string(migrations().size()));
}

// A database left by an older trainbox (schema 2: before bundle digests, idempotency keys and
// owners) is upgraded in place at open; its tasks keep what they had and read the new columns as
// their defaults (owner "": visible to admins only).
TEST_F(PostgresTaskStore, UpgradesAVersion2DatabaseKeepingItsTasks) {
  ASSERT_TRUE(run_sql(database_->url(), "CREATE TABLE schema_version (version INTEGER NOT NULL)"));
  for (int version = 1; version <= 2; ++version) {
    auto applied = run_sql(database_->url(), std::string(migrations()[version - 1].sql));
    ASSERT_TRUE(applied) << applied.error().message;
    ASSERT_TRUE(run_sql(database_->url(),
                        "INSERT INTO schema_version VALUES (" + std::to_string(version) + ")"));
  }
  std::string id = new_task_id();
  ASSERT_TRUE(run_sql(database_->url(),
                      "INSERT INTO tasks (id, kind, status, created_at_ms, model_key, worker_id) "
                      "VALUES ($1, 'text', 'COMPLETED', 7, 'tasks/x/model.zip', 'old-worker')",
                      {id}));
  auto store = open_task_store(database_->url());
  ASSERT_TRUE(store) << store.error().message;
  auto task = (*store)->get(id);
  ASSERT_TRUE(task) << task.error().message;
  EXPECT_EQ(task->status, TaskStatus::kCompleted);
  EXPECT_EQ(task->worker_id, "old-worker");
  EXPECT_EQ(task->model_key, "tasks/x/model.zip");
  EXPECT_EQ(task->model_size, 0);
  EXPECT_EQ(task->owner, "");
  EXPECT_EQ(task->dataset_size, 0);
  EXPECT_EQ((*store)->list(10, 0, std::string("")).value().total, 1);
  auto versions = run_sql(database_->url(), "SELECT MAX(version) FROM schema_version");
  ASSERT_TRUE(versions);
  EXPECT_EQ(versions->rows.at(0).at(0), std::to_string(migrations().back().version));
  auto users = open_user_store(database_->url());
  ASSERT_TRUE(users) << users.error().message;
  EXPECT_TRUE((*users)->list().value().empty());
}

TEST_F(PostgresTaskStore, ManyThreadsShareASmallPool) {
  auto store = open_task_store(database_->url() + "?pool_size=2").value();
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        Task task = make_task(t * 100 + i);
        if (!store->insert(task) || !store->get(task.id)) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->list(1, 0, std::nullopt).value().total, 12 * 15);
}

TEST_F(PostgresTaskStore, KilledSessionsAreReplacedWithoutAnError) {
  auto store = open_task_store(database_->url() + "?pool_size=3").value();
  Task task = make_task(1);
  ASSERT_TRUE(store->insert(task));
  ASSERT_TRUE(store->get(task.id));
  auto killed = run_sql(server_url(),
                        "SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity "
                        "WHERE datname = $1 AND pid <> pg_backend_pid()",
                        {database_->name()});
  ASSERT_TRUE(killed) << killed.error().message;
  ASSERT_FALSE(killed->rows.empty());
  auto got = store->get(task.id);
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_TRUE(store->claim(task.id, 5000, "worker-a").value());
}

// A PostgreSQL server of one test's own (tests/servers/postgres.sh), so that stopping it leaves
// the fixture server to the other tests. Stopped and removed at the end.
class OwnServer {
 public:
  OwnServer() : started_(script("start")) {}
  ~OwnServer() { script("stop"); }
  bool started() const { return started_; }
  bool script(const std::string& action) const {
    std::string command = std::string("bash '") + TRAINBOX_SOURCE_TREE +
                          "/tests/servers/postgres.sh' " + action + " '" + dir_.path().string() +
                          "' >/dev/null";
    return std::system(command.c_str()) == 0;
  }
  std::string url() const {
    std::ifstream file(dir_.path() / "postgres.url");
    std::string url;
    std::getline(file, url);
    return url;
  }

 private:
  TempDir dir_{std::filesystem::temp_directory_path(), "pg-outage"};
  bool started_;
};

void expect_unavailable(const Error& error, const std::string& host_port) {
  EXPECT_EQ(error.code, ErrorCode::kUnavailable) << error.message;
  EXPECT_EQ(error.slug, "database_unavailable") << error.message;
  EXPECT_NE(error.message.find(host_port), std::string::npos) << error.message;
}

TEST(PostgresOutage, CallsFailFastWhileTheServerIsDownAndTheSameStoreRecovers) {
  OwnServer server;
  ASSERT_TRUE(server.started());
  auto where = parse_pg_url(server.url()).value().where;
  std::string host_port = where.substr(0, where.find('/'));
  auto store = open_task_store(server.url() + "?pool_size=2").value();
  Task task = make_task(1);
  ASSERT_TRUE(store->insert(task));

  ASSERT_TRUE(server.script("pause"));
  auto started = std::chrono::steady_clock::now();
  auto got = store->get(task.id);
  ASSERT_FALSE(got);
  expect_unavailable(got.error(), host_port);
  auto claimed = store->claim(task.id, 5000, "worker-a");
  ASSERT_FALSE(claimed);
  expect_unavailable(claimed.error(), host_port);
  auto inserted = store->insert(make_task(2));
  ASSERT_FALSE(inserted);
  expect_unavailable(inserted.error(), host_port);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));

  ASSERT_TRUE(server.script("resume"));
  auto again = store->get(task.id);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->status, TaskStatus::kQueued);
  EXPECT_TRUE(store->claim(task.id, 5000, "worker-a").value());
  EXPECT_TRUE(store->insert(make_task(2)));
}

}  // namespace
}  // namespace trainbox::db
