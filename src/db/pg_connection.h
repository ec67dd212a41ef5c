#pragma once
// PostgreSQL access for the db layer, with no libpqxx type in sight (libpqxx stays inside
// pg_connection.cc). PgConnection is one session; PgPool hands sessions out to many threads and
// runs single statements with a bounded reconnect-and-retry when the connection is lost.
// Rows come back as plain strings (every value in its text form; NULL is std::nullopt).

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace trainbox::db {

// A postgresql:// (or postgres://) URL split into what trainbox reads itself and what libpq gets.
struct PgUrl {
  std::string libpq_uri;  // the URL without trainbox's own options (pool_size)
  std::string where;      // "host:port/database", for messages: never the password
  std::string database;
  std::string password;  // only so that messages can be scrubbed of it
  int pool_size = 4;
};

// kInvalidArgument "invalid_database_url" for a malformed URL or pool_size. Adds
// connect_timeout=5 unless the URL sets it, so a dead host cannot stall a caller for minutes.
Result<PgUrl> parse_pg_url(std::string_view url);
// `url` naming `database` instead of its own (tests and tools make scratch databases).
std::string pg_url_with_database(std::string_view url, std::string_view database);

using PgParams = std::vector<std::optional<std::string>>;
using PgRow = std::vector<std::optional<std::string>>;

struct PgRows {
  std::vector<PgRow> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
  // The statement was sent again after a connection broke: the lost attempt may have committed.
  bool retried = false;
};

// One database session. Not thread-safe: one thread at a time (PgPool guarantees it).
// Errors: kUnavailable "database_unavailable" when the server cannot be reached or the
// connection broke (then broken() is true and the session must be discarded); kConflict
// "unique_violation" (SQLSTATE 23505); kInvalidArgument "invalid_text" (bytes that are not
// UTF-8); kUnavailable "database_busy" (serialization failure, deadlock, statement timeout);
// kInternal "database_error" otherwise.
class PgConnection {
 public:
  static Result<std::unique_ptr<PgConnection>> open(const PgUrl& url);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement with $1.. parameters in autocommit mode; without parameters `sql` may
  // hold several statements (migrations).
  Result<PgRows> exec(std::string_view sql, const PgParams& params = {});
  bool broken() const;

 private:
  struct Impl;
  explicit PgConnection(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// A bounded pool of sessions to one database. Thread-safe. Sessions open lazily up to
// pool_size; a checkout waits up to 10 s for a free one (then kUnavailable
// "database_busy"). A session found broken is discarded, and with it every idle one (a server
// restart breaks them all), so the next checkout connects afresh.
class PgPool {
 public:
  // A checked-out session, returned to the pool when destroyed. Must not outlive the pool.
  class Lease {
   public:
    Lease(PgPool* pool, std::unique_ptr<PgConnection> connection);
    Lease(Lease&& other) noexcept;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    PgConnection& operator*() { return *connection_; }
    PgConnection* operator->() { return connection_.get(); }

   private:
    PgPool* pool_;
    std::unique_ptr<PgConnection> connection_;
  };

  // Connects once, so that a wrong URL or a down server fails here.
  static Result<std::unique_ptr<PgPool>> open(const PgUrl& url);
  explicit PgPool(PgUrl url);

  Result<Lease> checkout();
  // Runs a statement that is safe to run twice (idempotent or conditional): when the connection
  // is lost it reconnects and retries, kAttempts tries in all with a short backoff, then fails
  // kUnavailable "database_unavailable". Other errors come back at once.
  Result<PgRows> exec(std::string_view sql, const PgParams& params = {});
  const PgUrl& url() const { return url_; }

  static constexpr int kAttempts = 3;

 private:
  void give_back(std::unique_ptr<PgConnection> connection);

  const PgUrl url_;
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  int open_ = 0;  // sessions alive: idle, leased or connecting
};

}  // namespace trainbox::db
