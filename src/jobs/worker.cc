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
  queue_generation_ = queue_.generation();
  if (auto reaped = service_.reap_stale(); reaped && *reaped > 0) {
    TRAINBOX_LOG_WARN("start-up: {} interrupted task(s) queued again or ended", *reaped);
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
    const std::string& id = **next;
    runner_.run(id, [&] {
      if (auto acked = queue_.ack(id); !acked) {
        TRAINBOX_LOG_WARN("task={} could not acknowledge its delivery: {}", id,
                          acked.error().message);
      }
    });
  }
}

void Worker::housekeeping_loop() {
  auto next_run = std::chrono::steady_clock::now() + config_.reaper_period;
  while (!stopping_) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (std::chrono::steady_clock::now() < next_run) continue;
    next_run = std::chrono::steady_clock::now() + config_.reaper_period;
    housekeeping_pass();
  }
}

void Worker::housekeeping_pass() {
  if (auto reaped = service_.reap_stale(); !reaped) {
    TRAINBOX_LOG_WARN("reaper: {}", reaped.error().message);
  }
  uint64_t generation = queue_.generation();
  if (generation == queue_generation_) return;
  // The queue lost its contents (e.g. Redis restarted without persistence): the QUEUED rows
  // are the truth, so hand every one out again.
  auto requeued = service_.requeue_queued();
  if (!requeued) {
    TRAINBOX_LOG_WARN("queue was reset; rebuilding it failed: {}", requeued.error().message);
    return;
  }
  queue_generation_ = generation;
  TRAINBOX_LOG_WARN("queue was reset; {} queued task(s) handed to it again", *requeued);
}

}  // namespace trainbox::jobs
