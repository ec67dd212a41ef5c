#pragma once
// The worker: `concurrency` dispatcher threads take task ids from the JobQueue and run them
// (acknowledging each delivery once the database claim decided), and one housekeeping thread
// reaps tasks whose heartbeat stopped (queued again within the attempts, else failed) and
// rebuilds the queue from the QUEUED rows when it lost its contents (JobQueue::generation). On
// start it re-queues every QUEUED task (a duplicate delivery is harmless, the claim decides) and
// reaps stale ones. stop() kills running children at once and hands their tasks back to the
// queue; a child of a worker that dies without stop() dies with it (PDEATHSIG) and a reaper
// (of any worker) queues its task again once the lease has run out.

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
  void housekeeping_pass();

  service::TaskService& service_;
  queue::JobQueue& queue_;
  WorkerConfig config_;
  TaskRunner runner_;
  std::atomic<bool> stopping_{false};
  uint64_t queue_generation_ = 0;
  std::vector<std::thread> threads_;
};

}  // namespace trainbox::jobs
