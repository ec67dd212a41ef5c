#include "service/task_events.h"

namespace trainbox::service {

uint64_t TaskEvents::generation() const {
  std::lock_guard lock(mutex_);
  return generation_;
}

void TaskEvents::notify() {
  {
    std::lock_guard lock(mutex_);
    ++generation_;
  }
  changed_.notify_all();
}

uint64_t TaskEvents::wait_for_change(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  changed_.wait_for(lock, timeout, [&] { return shut_down_ || generation_ != seen; });
  return generation_;
}

void TaskEvents::shutdown() {
  {
    std::lock_guard lock(mutex_);
    shut_down_ = true;
  }
  changed_.notify_all();
}

bool TaskEvents::is_shut_down() const {
  std::lock_guard lock(mutex_);
  return shut_down_;
}

}  // namespace trainbox::service
