// The only libpqxx user (scripts/check_layers.py enforces it). Design:
// - Every pqxx call sits in a try block; exceptions become Error values here and nowhere else.
//   A lost connection (pqxx::broken_connection, SQLSTATE class 08, a server shutting down) is
//   kUnavailable "database_unavailable" and marks the session broken, so the pool drops it.
// - Statements run in autocommit mode (pqxx::nontransaction): the store's every state change is
//   one conditional statement, and the migration runner sends BEGIN/COMMIT itself.
// - The pool lends sessions under a mutex + condition variable; connecting happens outside the
//   lock. PgPool::exec retries only on a lost connection, with a fresh session each time.
// - Messages name host:port/database; the password is scrubbed from anything libpq says.

#include "db/pg_connection.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <charconv>
#include <pqxx/pqxx>
#include <thread>

namespace trainbox::db {
namespace {

constexpr std::string_view kSchemes[] = {"postgresql://", "postgres://"};
constexpr std::chrono::milliseconds kBackoff[] = {std::chrono::milliseconds(100),
                                                  std::chrono::milliseconds(400)};
constexpr std::chrono::seconds kCheckoutWait(10);
constexpr int kMaxPoolSize = 64;

tl::unexpected<Error> bad_url(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "invalid_database_url", std::move(message));
}

std::string_view scheme_of(std::string_view url) {
  for (auto scheme : kSchemes) {
    if (url.starts_with(scheme)) return scheme;
  }
  return {};
}

// Takes pool_size out of the query; keeps the rest for libpq.
Result<std::string> strip_own_options(std::string_view query, PgUrl& parsed) {
  std::string kept;
  bool has_connect_timeout = false;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.starts_with("pool_size=")) {
      auto value = pair.substr(10);
      auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed.pool_size);
      if (ec != std::errc() || end != value.data() + value.size() || parsed.pool_size < 1 ||
          parsed.pool_size > kMaxPoolSize) {
        return bad_url(fmt::format("pool_size must be a whole number from 1 to {}", kMaxPoolSize));
      }
      continue;
    }
    if (pair.empty()) continue;
    has_connect_timeout = has_connect_timeout || pair.starts_with("connect_timeout=");
    kept += kept.empty() ? "" : "&";
    kept += pair;
  }
  if (!has_connect_timeout) kept += kept.empty() ? "connect_timeout=5" : "&connect_timeout=5";
  return kept;
}

std::string first_line(std::string text) {
  if (auto newline = text.find('\n'); newline != std::string::npos) text.resize(newline);
  return text;
}

std::string scrub(std::string text, const std::string& password) {
  if (password.empty()) return text;
  for (auto at = text.find(password); at != std::string::npos; at = text.find(password, at)) {
    text.replace(at, password.size(), "***");
  }
  return text;
}

struct Failure {
  Error error;
  bool connection_lost = false;
};

bool is_connection_state(const std::string& state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03" ||
         state == "53300";
}

// `lost`: the session is known to be gone whatever the exception says.
Failure classify(const std::exception& e, const PgUrl& url, bool lost) {
  std::string what = scrub(first_line(e.what()), url.password);
  auto unavailable = [&] {
    return Failure{Error{ErrorCode::kUnavailable, "database_unavailable",
                         fmt::format("database {} is unavailable: {}", url.where, what)},
                   true};
  };
  if (lost || dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return unavailable();
  }
  std::string state;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) state = sql->sqlstate();
  if (is_connection_state(state)) return unavailable();
  if (state == "23505") return {Error{ErrorCode::kConflict, "unique_violation", what}};
  if (state == "22021") {
    return {Error{ErrorCode::kInvalidArgument, "invalid_text", "text that is not UTF-8: " + what}};
  }
  if (state == "40001" || state == "40P01" || state == "57014" || state == "55P03") {
    return {Error{ErrorCode::kUnavailable, "database_busy",
                  fmt::format("database {} is busy: {}", url.where, what)}};
  }
  return {Error{ErrorCode::kInternal, "database_error",
                fmt::format("database {}: {}", url.where, what)}};
}

// Checks the URI as libpq will read it, and takes from it what messages need.
Status read_with_libpq(PgUrl& parsed) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(parsed.libpq_uri.c_str(), &error);
  if (options == nullptr) {
    std::string message = error != nullptr ? first_line(error) : "out of memory";
    PQfreemem(error);
    return bad_url(fmt::format("invalid PostgreSQL URL: {}", message));
  }
  std::string host = "localhost", port = "5432";
  for (auto* option = options; option->keyword != nullptr; ++option) {
    if (option->val == nullptr || *option->val == '\0') continue;
    std::string_view keyword = option->keyword;
    if (keyword == "host" || (keyword == "hostaddr" && host == "localhost")) host = option->val;
    if (keyword == "port") port = option->val;
    if (keyword == "dbname") parsed.database = option->val;
    if (keyword == "password") parsed.password = option->val;
  }
  PQconninfoFree(options);
  parsed.where = fmt::format("{}:{}/{}", host, port, parsed.database);
  return {};
}

}  // namespace

Result<PgUrl> parse_pg_url(std::string_view url) {
  auto scheme = scheme_of(url);
  if (scheme.empty()) return bad_url("a PostgreSQL URL starts with postgresql://");
  auto question = url.find('?');
  auto query = question == std::string_view::npos ? std::string_view() : url.substr(question + 1);
  PgUrl parsed;
  auto kept = strip_own_options(query, parsed);
  if (!kept) return fail(kept.error());
  parsed.libpq_uri = fmt::format("{}?{}", url.substr(0, question), *kept);
  TRAINBOX_TRY(read_with_libpq(parsed));
  return parsed;
}

std::string pg_url_with_database(std::string_view url, std::string_view database) {
  auto scheme = scheme_of(url);
  auto rest = url.substr(scheme.size());
  auto end_of_authority = rest.find_first_of("/?");
  auto authority = rest.substr(0, end_of_authority);
  auto question = rest.find('?');
  auto query = question == std::string_view::npos ? std::string_view() : rest.substr(question);
  return fmt::format("{}{}/{}{}", scheme, authority, database, query);
}

struct PgConnection::Impl {
  explicit Impl(const PgUrl& parsed) : url(parsed), connection(parsed.libpq_uri) {}
  tl::unexpected<Error> failure(const std::exception& e) {
    auto failure = classify(e, url, !connection.is_open());
    broken = broken || failure.connection_lost;
    return fail(std::move(failure.error));
  }

  const PgUrl url;
  pqxx::connection connection;
  bool broken = false;
};

PgConnection::PgConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PgConnection::~PgConnection() = default;

Result<std::unique_ptr<PgConnection>> PgConnection::open(const PgUrl& url) {
  try {
    auto impl = std::make_unique<Impl>(url);
    // Notices ("relation already exists, skipping") would go to stderr otherwise.
    pqxx::nontransaction(impl->connection).exec("SET client_min_messages TO warning");
    return std::unique_ptr<PgConnection>(new PgConnection(std::move(impl)));
  } catch (const std::exception& e) {
    auto failure = classify(e, url, false);
    if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
      failure.error.message = fmt::format("cannot connect to database {}: {}", url.where,
                                          scrub(first_line(e.what()), url.password));
    }
    return fail(std::move(failure.error));
  }
}

Result<PgRows> PgConnection::exec(std::string_view sql, const PgParams& params) {
  if (impl_->broken) {
    return fail(ErrorCode::kUnavailable, "database_unavailable",
                fmt::format("database {} is unavailable: connection lost", impl_->url.where));
  }
  try {
    pqxx::nontransaction transaction(impl_->connection);
    pqxx::result result;
    if (params.empty()) {
      result = transaction.exec(std::string(sql));
    } else {
      std::vector<const char*> values;  // nullptr is SQL NULL
      values.reserve(params.size());
      for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
      result =
          transaction.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(values));
    }
    PgRows rows;
    rows.affected = static_cast<int64_t>(result.affected_rows());
    rows.rows.reserve(result.size());
    for (const auto& row : result) {
      PgRow& out = rows.rows.emplace_back();
      for (const auto& field : row) {
        out.push_back(field.is_null() ? std::nullopt : std::optional<std::string>(field.c_str()));
      }
    }
    return rows;
  } catch (const std::exception& e) {
    return impl_->failure(e);
  }
}

bool PgConnection::broken() const { return impl_->broken; }

PgPool::Lease::Lease(PgPool* pool, std::unique_ptr<PgConnection> connection)
    : pool_(pool), connection_(std::move(connection)) {}
PgPool::Lease::Lease(Lease&& other) noexcept
    : pool_(other.pool_), connection_(std::move(other.connection_)) {}
PgPool::Lease::~Lease() {
  if (connection_) pool_->give_back(std::move(connection_));
}

PgPool::PgPool(PgUrl url) : url_(std::move(url)) {}

Result<std::unique_ptr<PgPool>> PgPool::open(const PgUrl& url) {
  auto pool = std::make_unique<PgPool>(url);
  auto first = pool->checkout();
  if (!first) return fail(first.error());
  return pool;
}

Result<PgPool::Lease> PgPool::checkout() {
  std::unique_lock lock(mutex_);
  bool ready = available_.wait_for(lock, kCheckoutWait,
                                   [&] { return !idle_.empty() || open_ < url_.pool_size; });
  if (!ready) {
    return fail(ErrorCode::kUnavailable, "database_busy",
                fmt::format("all {} connections to database {} stayed busy for {} s",
                            url_.pool_size, url_.where, kCheckoutWait.count()));
  }
  if (!idle_.empty()) {
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(this, std::move(connection));
  }
  ++open_;
  lock.unlock();
  auto opened = PgConnection::open(url_);
  if (!opened) {
    lock.lock();
    --open_;
    available_.notify_one();
    return fail(opened.error());
  }
  return Lease(this, std::move(*opened));
}

void PgPool::give_back(std::unique_ptr<PgConnection> connection) {
  std::vector<std::unique_ptr<PgConnection>> dropped;  // closed after the lock is released
  {
    std::lock_guard lock(mutex_);
    if (connection->broken()) {
      // A server restart breaks every session at once: drop the idle ones too rather than
      // finding each broken on the next calls.
      open_ -= 1 + static_cast<int>(idle_.size());
      dropped = std::move(idle_);
      idle_.clear();
      dropped.push_back(std::move(connection));
    } else {
      idle_.push_back(std::move(connection));
    }
  }
  available_.notify_all();
}

Result<PgRows> PgPool::exec(std::string_view sql, const PgParams& params) {
  Error last;
  bool sent_before = false;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(kBackoff[attempt - 1]);
    auto lease = checkout();
    if (!lease) {
      if (lease.error().slug != "database_unavailable") return fail(lease.error());
      last = lease.error();
      continue;
    }
    auto rows = (*lease)->exec(sql, params);
    if (rows) {
      rows->retried = sent_before;
      return rows;
    }
    if (!(*lease)->broken()) return fail(rows.error());
    last = rows.error();
    sent_before = true;
  }
  return fail(last);
}

}  // namespace trainbox::db
