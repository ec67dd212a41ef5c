#include "queue/local_job_queue.h"

#include <condition_variable>
#include <deque>
#include <mutex>

namespace trainbox::queue {
namespace {

class LocalJobQueue final : public JobQueue {
 public:
  Status push(std::string_view task_id) override {
    {
      std::lock_guard lock(mutex_);
      if (closed_) return fail(ErrorCode::kUnavailable, "queue_closed", "the job queue is closed");
      ids_.emplace_back(task_id);
    }
    ready_.notify_one();
    return {};
  }

  Result<std::optional<std::string>> pop(std::chrono::milliseconds wait) override {
    std::unique_lock lock(mutex_);
    ready_.wait_for(lock, wait, [&] { return closed_ || !ids_.empty(); });
    if (closed_ || ids_.empty()) return std::optional<std::string>();
    std::string id = std::move(ids_.front());
    ids_.pop_front();
    return std::optional<std::string>(std::move(id));
  }

  // Delivery hands the id over for good: nothing to acknowledge, nothing to hand out again.
  Status ack(std::string_view) override { return {}; }

  Result<size_t> size() override {
    std::lock_guard lock(mutex_);
    return ids_.size();
  }

  // An in-process queue never loses its contents behind its owner's back.
  uint64_t generation() override { return 0; }

  void close() override {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::string> ids_;
  bool closed_ = false;
};

}  // namespace

std::unique_ptr<JobQueue> make_local_job_queue() { return std::make_unique<LocalJobQueue>(); }

}  // namespace trainbox::queue
