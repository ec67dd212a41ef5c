#include "jobs/worker.h"

#include <utility>

#include "util/log.h"

namespace trainbox::jobs {

Worker::Worker(service::TaskService& service, queue::JobQueue& queue, WorkerConfig config)
    : service_(service),
      queue_(queue),
      config_(std::move(config)),
      runner_(service, config_.runner) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  if (auto reaped = service_.reap_stale(); reaped && *reaped > 0) {
    TRAINBOX_LOG_WARN("start-up: {} interrupted task(s) marked FAILED", *reaped);
  }
  if (auto requeued = service_.requeue_queued(); requeued && *requeued > 0) {
    TRAINBOX_LOG_INFO("start-up: {} queued task(s) handed to the queue again", *requeued);
  }
  for (int i = 0; i < std::max(1, config_.concurrency); ++i) {
    threads_.emplace_back([this] { dispatch_loop(); });
  }
  threads_.emplace_back([this] { housekeeping_loop(); });
}

void Worker::stop() {
  if (stopping_.exchange(true)) return;
  runner_.shut_down();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

void Worker::dispatch_loop() {
  while (!stopping_) {
    auto next = queue_.pop(std::chrono::milliseconds(200));
    if (!next) {
      TRAINBOX_LOG_WARN("job queue unavailable: {}", next.error().message);
      std::this_thread::sleep_for(std::chrono::seconds(1));
      continue;
    }
    if (!next->has_value()) continue;
    runner_.run(**next);
  }
}

void Worker::housekeeping_loop() {
  auto next_run = std::chrono::steady_clock::now() + config_.reaper_period;
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() < next_run) continue;
    next_run = std::chrono::steady_clock::now() + config_.reaper_period;
    if (auto reaped = service_.reap_stale(); !reaped) {
      TRAINBOX_LOG_WARN("reaper: {}", reaped.error().message);
    }
  }
}

}  // namespace trainbox::jobs
