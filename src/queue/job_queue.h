#pragma once
// JobQueue: hands task ids to workers. Delivery is at-least-once: the database claim (QUEUED ->
// RUNNING) decides who runs a task, so a duplicate delivery is harmless. The database stays the
// source of truth; a lost queue is rebuilt from the QUEUED rows (at start-up, and whenever
// generation() changes).
// Implementations are safe for concurrent use.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "util/result.h"

namespace trainbox::queue {

class JobQueue {
 public:
  virtual ~JobQueue() = default;
  virtual Status push(std::string_view task_id) = 0;
  // Waits up to `wait` for an id; nullopt on timeout or after close(). The id stays delivered to
  // this queue object until ack(); a delivery not acknowledged within the queue's lease is handed
  // out again to some consumer.
  virtual Result<std::optional<std::string>> pop(std::chrono::milliseconds wait) = 0;
  // The consumer is done with its deliveries of `task_id` (call it once the database claim has
  // decided who runs the task). An id this object did not deliver is ignored; also allowed after
  // close().
  virtual Status ack(std::string_view task_id) = 0;
  // Ids waiting or delivered but not yet acknowledged.
  virtual Result<size_t> size() = 0;
  // Changes whenever the queue may have lost its contents (e.g. its server restarted without
  // persistence). Whoever watches it re-pushes the QUEUED rows when it changes.
  virtual uint64_t generation() = 0;
  // Wakes every waiting pop(); later pops return nullopt at once and pushes fail.
  virtual void close() = 0;
};

// "local://" (in-process) | "redis://[[user]:password@]host[:port][/db][?stream=&group=&lease_s=]"
// (Redis Streams, see queue/redis_job_queue.h).
Result<std::unique_ptr<JobQueue>> open_job_queue(std::string_view url);

}  // namespace trainbox::queue
