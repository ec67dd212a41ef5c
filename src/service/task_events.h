#pragma once
// In-process change signal for followers of tasks (the SSE stream). Writers call notify() after
// any task change; followers wait for the generation to move, then re-read the row and compare its
// revision. Changes made by other processes are seen by the followers' periodic re-read.
// Safe for concurrent use.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace trainbox::service {

class TaskEvents {
 public:
  uint64_t generation() const;
  void notify();
  // Returns the generation after waiting until it differs from `seen`, `timeout` passes, or
  // shutdown() is called.
  uint64_t wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const;
  void shutdown();
  bool is_shut_down() const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  uint64_t generation_ = 0;
  bool shut_down_ = false;
};

}  // namespace trainbox::service
