#pragma once
// The worker: `concurrency` dispatcher threads take task ids from the JobQueue and run them, and
// one housekeeping thread reaps tasks whose heartbeat stopped. On start it re-queues every QUEUED
// task (the queue may have been lost; a duplicate delivery is harmless, the claim decides) and
// reaps stale ones. stop() kills running children at once and fails their tasks as interrupted
// ("start it again"); a child of a server that dies without stop() dies with it (PDEATHSIG) and
// the reaper of the next start fails its task.

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "jobs/task_runner.h"
#include "queue/job_queue.h"

namespace trainbox::jobs {

struct WorkerConfig {
  int concurrency = 1;
  std::chrono::milliseconds reaper_period{5000};
  RunnerConfig runner;
};

class Worker {
 public:
  Worker(service::TaskService& service, queue::JobQueue& queue, WorkerConfig config);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void start();
  void stop();  // returns once every thread has finished its current task

 private:
  void dispatch_loop();
  void housekeeping_loop();

  service::TaskService& service_;
  queue::JobQueue& queue_;
  WorkerConfig config_;
  TaskRunner runner_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace trainbox::jobs
