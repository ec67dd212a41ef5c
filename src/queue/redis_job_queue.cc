// The redis:// JobQueue (the protocol it speaks is in the header).
//
// Threads: a hiredis context is not thread-safe, so each call borrows a connection from a small
// pool. A connection that saw an I/O error is dropped with the idle ones (same server) and the
// call retries once on a fresh one. Connecting runs AUTH, SELECT, INFO server and XGROUP CREATE;
// a run_id other than the last one seen means Redis restarted, which bumps generation(), as does
// a group that vanished (NOGROUP). While Redis is unreachable a connect is tried at most once per
// backoff step (50 ms doubling to 1 s), calls fail with kUnavailable "queue_unavailable", and a
// failing pop pauses first so that retry loops stay cool. pop blocks inside Redis for at most
// kSlice per round, so close() and the caller's deadline are honoured promptly.

#include "queue/redis_job_queue.h"

#include <hiredis/hiredis.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "util/log.h"

namespace trainbox::queue {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
using Args = std::vector<std::string>;
using Reply = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;
using Connection = std::unique_ptr<redisContext, decltype(&redisFree)>;

constexpr milliseconds kSlice(200);
constexpr milliseconds kConnectTimeout(2000);
constexpr milliseconds kCommandTimeout(5000);  // well above kSlice: a BLOCKed read answers first
constexpr milliseconds kFirstBackoff(50);
constexpr milliseconds kMaxBackoff(1000);
constexpr size_t kMaxIdleConnections = 8;

timeval to_timeval(milliseconds ms) {
  return timeval{static_cast<time_t>(ms.count() / 1000),
                 static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

std::string text(const redisReply* reply) {
  return reply->str == nullptr ? std::string() : std::string(reply->str, reply->len);
}

bool is_error(const redisReply* reply, std::string_view prefix = "") {
  return reply->type == REDIS_REPLY_ERROR && text(reply).starts_with(prefix);
}

std::string consumer_name() {
  static std::atomic<int> counter{0};
  char host[256] = "host";
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + "-" + std::to_string(getpid()) + "-" + std::to_string(++counter);
}

// A field of INFO's "name:value\r\n" lines; empty when missing.
std::string info_field(const std::string& info, const std::string& name) {
  size_t at = info.starts_with(name + ":") ? 0 : info.find("\n" + name + ":");
  if (at == std::string::npos) return "";
  size_t begin = info.find(':', at) + 1;
  return info.substr(begin, info.find_first_of("\r\n", begin) - begin);
}

struct Delivery {
  std::string entry_id;
  std::string task_id;  // empty: an entry trainbox did not write
};
using Taken = Result<std::optional<Delivery>>;

// The first entry [id, [field, value, ...]] of an array of entries; nullopt for none or nil.
std::optional<Delivery> first_entry(const redisReply* entries) {
  if (entries->type != REDIS_REPLY_ARRAY || entries->elements == 0) return {};
  const redisReply* entry = entries->element[0];
  if (entry->type != REDIS_REPLY_ARRAY || entry->elements != 2) return {};
  Delivery delivery{text(entry->element[0]), ""};
  const redisReply* fields = entry->element[1];
  for (size_t i = 0; fields->type == REDIS_REPLY_ARRAY && i + 1 < fields->elements; i += 2) {
    if (text(fields->element[i]) == "task") delivery.task_id = text(fields->element[i + 1]);
  }
  return delivery;
}

class RedisJobQueue final : public JobQueue {
 public:
  explicit RedisJobQueue(RedisQueueConfig config)
      : config_(std::move(config)),
        where_(config_.host + ":" + std::to_string(config_.port)),
        consumer_(consumer_name()) {}
  // Leaves no idle consumer in the group (nobody else may use the queue by now); one with
  // pending entries stays, so that others can still take those over after the lease.
  ~RedisJobQueue() override {
    if (idle_.empty()) return;
    redisContext* context = idle_.back().get();
    auto pending =
        call(context, {"XPENDING", config_.stream, config_.group, "-", "+", "1", consumer_});
    if (pending && (*pending)->type == REDIS_REPLY_ARRAY && (*pending)->elements == 0) {
      (void)call(context, {"XGROUP", "DELCONSUMER", config_.stream, config_.group, consumer_});
    }
  }

  Status push(std::string_view task_id) override {
    if (closed_) return fail(ErrorCode::kUnavailable, "queue_closed", "the job queue is closed");
    return with_connection([&](redisContext* context) -> Status {
      TRAINBOX_TRY(call(context, {"XADD", config_.stream, "*", "task", std::string(task_id)}));
      return {};
    });
  }

  Result<std::optional<std::string>> pop(milliseconds wait) override {
    const auto deadline = Clock::now() + wait;
    while (!closed_) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
      auto block = std::clamp(left, milliseconds(0), kSlice);
      auto taken = with_connection([&](redisContext* context) { return take(context, block); });
      if (!taken) {
        pause(std::clamp(left, kFirstBackoff, kSlice));  // callers retry: keep that loop cool
        return taken;
      }
      if (taken->has_value() || Clock::now() >= deadline) return taken;
    }
    return std::optional<std::string>();
  }

  Status ack(std::string_view task_id) override {
    std::vector<std::string> entry_ids;
    {
      std::lock_guard lock(mutex_);
      auto found = delivered_.find(std::string(task_id));
      if (found == delivered_.end()) return {};
      entry_ids = std::move(found->second);
      delivered_.erase(found);
    }
    // A failed ack leaves the delivery to the lease: handed out again, the claim refuses it.
    return with_connection([&](redisContext* context) { return forget(context, entry_ids); });
  }

  Result<size_t> size() override {
    return with_connection([&](redisContext* context) -> Result<size_t> {
      auto reply = call(context, {"XLEN", config_.stream});
      if (!reply) return fail(reply.error());
      return static_cast<size_t>(std::max<long long>(0, (*reply)->integer));
    });
  }

  uint64_t generation() override { return generation_.load(); }
  void close() override {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    closed_cv_.notify_all();
  }

 private:
  tl::unexpected<Error> unavailable(const std::string& what) const {
    return fail(ErrorCode::kUnavailable, "queue_unavailable",
                "job queue: redis at " + where_ + " " + what);
  }

  // Runs one command. An I/O error fails as unavailable; an error reply fails as "queue_error"
  // unless it starts with `tolerated` (then the caller looks at it).
  Result<Reply> call(redisContext* context, const Args& args, std::string_view tolerated = {}) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const auto& arg : args) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    Reply reply(static_cast<redisReply*>(redisCommandArgv(context, static_cast<int>(argv.size()),
                                                          argv.data(), lengths.data())),
                &freeReplyObject);
    if (!reply) {
      return unavailable("did not answer " + args[0] + ": " +
                         (context->errstr[0] != '\0' ? context->errstr : "connection lost"));
    }
    if (is_error(reply.get()) && (tolerated.empty() || !is_error(reply.get(), tolerated))) {
      return fail(
          ErrorCode::kUnavailable, "queue_error",
          "job queue: redis at " + where_ + " refused " + args[0] + ": " + text(reply.get()));
    }
    return reply;
  }

  Result<Connection> connect() {
    {
      std::lock_guard lock(mutex_);
      if (Clock::now() < next_connect_) return unavailable("is unreachable (retrying shortly)");
    }
    Connection connection(
        redisConnectWithTimeout(config_.host.c_str(), config_.port, to_timeval(kConnectTimeout)),
        &redisFree);
    Status ready = !connection ? unavailable("cannot be reached: out of memory")
                   : connection->err
                       ? unavailable("cannot be reached: " + std::string(connection->errstr))
                       : set_up(connection.get());
    std::lock_guard lock(mutex_);
    if (!ready) {
      next_connect_ = Clock::now() + backoff_;
      backoff_ = std::min(backoff_ * 2, kMaxBackoff);
      if (std::exchange(reachable_, false)) TRAINBOX_LOG_WARN("{}", ready.error().message);
      return fail(ready.error());
    }
    backoff_ = kFirstBackoff;
    if (!std::exchange(reachable_, true))
      TRAINBOX_LOG_INFO("job queue: redis at {} is back", where_);
    return connection;
  }

  Status set_up(redisContext* context) {
    if (redisSetTimeout(context, to_timeval(kCommandTimeout)) != REDIS_OK) {
      return unavailable("cannot be used: setting the command timeout failed");
    }
    if (!config_.password.empty()) {
      Args auth{"AUTH"};
      if (!config_.user.empty()) auth.push_back(config_.user);
      auth.push_back(config_.password);
      TRAINBOX_TRY(call(context, auth));  // WRONGPASS and the like never quote the password
    }
    if (config_.db != 0) TRAINBOX_TRY(call(context, {"SELECT", std::to_string(config_.db)}));
    TRAINBOX_TRY(check_server(context));
    return ensure_group(context);
  }

  Status check_server(redisContext* context) {
    auto reply = call(context, {"INFO", "server"});
    if (!reply) return fail(reply.error());
    std::string info = text(reply->get());
    std::string version = info_field(info, "redis_version");
    int major = 0, minor = 0;
    if (std::sscanf(version.c_str(), "%d.%d", &major, &minor) != 2 ||
        std::pair(major, minor) < std::pair(6, 2)) {
      return fail(ErrorCode::kUnavailable, "queue_backend_unsupported",
                  "job queue: redis at " + where_ + " is version '" + version +
                      "'; the redis:// queue needs Redis 6.2 or newer (XAUTOCLAIM)");
    }
    std::string run_id = info_field(info, "run_id");
    std::lock_guard lock(mutex_);
    if (!run_id_.empty() && run_id != run_id_) {
      TRAINBOX_LOG_WARN(
          "job queue: redis at {} restarted; its contents may be lost (generation {})", where_,
          ++generation_);
    }
    run_id_ = run_id;
    return {};
  }

  Status ensure_group(redisContext* context) {
    auto created = call(
        context, {"XGROUP", "CREATE", config_.stream, config_.group, "0", "MKSTREAM"}, "BUSYGROUP");
    return created ? Status() : fail(created.error());
  }

  // The stream or its group vanished under us (FLUSHALL, a deleted key): contents may be lost.
  Taken group_lost(redisContext* context) {
    TRAINBOX_LOG_WARN("job queue: stream {} at redis {} lost its group (generation {})",
                      config_.stream, where_, ++generation_);
    TRAINBOX_TRY(ensure_group(context));
    return std::optional<Delivery>();
  }

  Taken claim_stale(redisContext* context) {
    std::string cursor;
    {
      std::lock_guard lock(mutex_);
      cursor = claim_cursor_;
    }
    auto lease_ms = std::chrono::duration_cast<milliseconds>(config_.lease).count();
    auto reply = call(context,
                      {"XAUTOCLAIM", config_.stream, config_.group, consumer_,
                       std::to_string(lease_ms), cursor, "COUNT", "1"},
                      "NOGROUP");
    if (!reply) return fail(reply.error());
    const redisReply* r = reply->get();
    if (is_error(r)) return group_lost(context);
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) return std::nullopt;
    std::lock_guard lock(mutex_);
    claim_cursor_ = text(r->element[0]);  // the scan of the pending list goes on from here
    return first_entry(r->element[1]);
  }

  Taken read_new(redisContext* context, milliseconds block) {
    Args args{"XREADGROUP", "GROUP", config_.group, consumer_, "COUNT", "1"};
    if (block.count() > 0) args.insert(args.end(), {"BLOCK", std::to_string(block.count())});
    args.insert(args.end(), {"STREAMS", config_.stream, ">"});  // BLOCK 0 would wait forever
    auto reply = call(context, args, "NOGROUP");
    if (!reply) return fail(reply.error());
    const redisReply* r = reply->get();
    if (is_error(r)) return group_lost(context);
    // nil when nothing came within `block`, else [[stream, [entry, ...]]]
    if (r->type != REDIS_REPLY_ARRAY || r->elements == 0) return std::nullopt;
    const redisReply* stream = r->element[0];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements < 2) return std::nullopt;
    return first_entry(stream->element[1]);
  }

  Result<std::optional<std::string>> take(redisContext* context, milliseconds block) {
    auto delivery = claim_stale(context);
    if (delivery && !delivery->has_value()) delivery = read_new(context, block);
    if (!delivery) return fail(delivery.error());
    if (!delivery->has_value()) return std::optional<std::string>();
    Delivery& got = **delivery;
    if (got.task_id.empty()) {  // not a trainbox entry: drop it rather than claim it forever
      TRAINBOX_TRY(forget(context, {got.entry_id}));
      return std::optional<std::string>();
    }
    std::lock_guard lock(mutex_);
    delivered_[got.task_id].push_back(got.entry_id);
    return std::optional<std::string>(got.task_id);
  }

  Status forget(redisContext* context, const std::vector<std::string>& entry_ids) {
    Args xack{"XACK", config_.stream, config_.group};
    Args xdel{"XDEL", config_.stream};
    xack.insert(xack.end(), entry_ids.begin(), entry_ids.end());
    xdel.insert(xdel.end(), entry_ids.begin(), entry_ids.end());
    TRAINBOX_TRY(call(context, xack));
    TRAINBOX_TRY(call(context, xdel));
    return {};
  }

  Result<Connection> acquire(bool& reused) {
    {
      std::lock_guard lock(mutex_);
      reused = !idle_.empty();
      if (reused) {
        Connection connection = std::move(idle_.back());
        idle_.pop_back();
        return connection;
      }
    }
    return connect();
  }

  void release(Connection connection) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < kMaxIdleConnections) idle_.push_back(std::move(connection));
  }

  // Runs f(context) on a pooled connection; once more on a fresh one if a reused one was dead.
  template <class F>
  auto with_connection(F&& f) -> decltype(f(static_cast<redisContext*>(nullptr))) {
    for (int attempt = 0;; ++attempt) {
      bool reused = false;
      auto connection = acquire(reused);
      if (!connection) return fail(connection.error());
      auto result = f(connection->get());
      if ((*connection)->err == 0) {
        release(std::move(*connection));
        return result;
      }
      {
        std::lock_guard lock(mutex_);
        idle_.clear();  // they talk to the same server: most likely dead too
      }
      if (!reused || attempt > 0) return result;
    }
  }

  // Sleeps up to `how_long`; close() ends it early.
  void pause(milliseconds how_long) {
    std::unique_lock lock(mutex_);
    closed_cv_.wait_for(lock, how_long, [&] { return closed_.load(); });
  }

  const RedisQueueConfig config_;
  const std::string where_;  // host:port, for messages (never the password)
  const std::string consumer_;
  std::atomic<bool> closed_{false};
  std::atomic<uint64_t> generation_{0};
  std::mutex mutex_;  // guards the members below
  std::condition_variable closed_cv_;
  std::vector<Connection> idle_;
  Clock::time_point next_connect_{};
  milliseconds backoff_ = kFirstBackoff;
  bool reachable_ = true;  // so an outage is logged once, not per call
  std::string run_id_;
  std::string claim_cursor_ = "0-0";
  std::unordered_map<std::string, std::vector<std::string>> delivered_;  // task id -> entry ids
};

}  // namespace

Result<std::unique_ptr<JobQueue>> open_redis_job_queue(const RedisQueueConfig& config) {
  auto queue = std::make_unique<RedisJobQueue>(config);
  TRAINBOX_TRY(queue->size());  // connects: a wrong address, password or db fails here
  return std::unique_ptr<JobQueue>(std::move(queue));
}

}  // namespace trainbox::queue
