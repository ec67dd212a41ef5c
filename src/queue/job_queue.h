#pragma once
// JobQueue: hands task ids to workers. Delivery is at-least-once: the database claim (QUEUED ->
// RUNNING) decides who runs a task, so a duplicate delivery is harmless. The database stays the
// source of truth; a lost queue is rebuilt from the QUEUED rows at start-up.
// Implementations are safe for concurrent use.

#include <chrono>
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
  // Waits up to `wait` for an id; nullopt on timeout or after close().
  virtual Result<std::optional<std::string>> pop(std::chrono::milliseconds wait) = 0;
  virtual Result<size_t> size() = 0;
  // Wakes every waiting pop(); later pops return nullopt at once.
  virtual void close() = 0;
};

// "local://" (in-process).
Result<std::unique_ptr<JobQueue>> open_job_queue(std::string_view url);

}  // namespace trainbox::queue
