#pragma once
// The redis:// JobQueue on Redis Streams, so that many processes share the work (Redis 6.2 or
// newer: XAUTOCLAIM).
//
// What lands in Redis: push is XADD <stream> * task <id>. Each queue object is one consumer
// (hostname-pid-n) of one consumer group. pop first takes over one delivery that has been pending
// for longer than the lease (XAUTOCLAIM: its consumer died or never acknowledged it), else reads a
// new entry (XREADGROUP ">"). A delivery stays in the group's pending list until ack() XACKs and
// XDELs it, so the stream holds exactly the ids waiting or delivered but not acknowledged: size()
// is XLEN, and the group is created (again, after a loss) from id 0 rather than "$", since
// whatever the stream holds is still owed to someone. Thread-safe; see the .cc for how.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "queue/job_queue.h"

namespace trainbox::queue {

struct RedisQueueConfig {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string user;      // empty: AUTH with the password alone
  std::string password;  // empty: no AUTH
  std::string stream = "trainbox:tasks";
  std::string group = "trainbox-workers";
  std::chrono::seconds lease{30};
};

// Parses "redis://[[user]:password@]host[:port][/db][?stream=NAME&group=NAME&lease_s=S]"
// (user and password percent-decoded). kInvalidArgument "invalid_queue_url" naming the bad part;
// the message never repeats the password.
Result<RedisQueueConfig> parse_redis_queue_url(std::string_view url);

// Connects once (so a wrong address, password or db fails here, with kUnavailable
// "queue_unavailable" or kInvalidArgument), creates the consumer group if it is missing, and
// returns the queue. Later calls reconnect on their own after a lost connection; while Redis
// is unreachable they fail with kUnavailable "queue_unavailable" naming host:port.
Result<std::unique_ptr<JobQueue>> open_redis_job_queue(const RedisQueueConfig& config);

}  // namespace trainbox::queue
