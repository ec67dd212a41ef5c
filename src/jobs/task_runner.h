#pragma once
// Runs one task: claims it, fetches its dataset, starts the training child, records what the
// child reports (progress, dataset, heartbeat), stops it on cancel (SIGTERM, then SIGKILL after a
// grace period), and ends the task with the outcome and a reason a person can act on.
// This is the only place where the service side meets training.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <string>

#include "jobs/child_process.h"
#include "ml/api.h"
#include "service/task_service.h"

namespace trainbox::jobs {

struct RunnerConfig {
  std::filesystem::path executable;  // this binary; the child runs `<executable> _train-child`
  std::filesystem::path work_root;   // each task trains in work_root/<id>, removed afterwards
  std::filesystem::path backbones_dir;
  int threads = 0;
  uint64_t child_memory_limit_bytes = 0;
  std::chrono::milliseconds cancel_grace{3000};
  std::chrono::milliseconds heartbeat_interval{2000};
  std::chrono::milliseconds stop_poll_interval{250};
  ml::DatasetLimits limits;
};

class TaskRunner {
 public:
  TaskRunner(service::TaskService& service, RunnerConfig config);
  // Returns when the task has ended (or was not claimable). `claim_decided` runs once the
  // database claim has decided whether this worker runs it (the worker then acknowledges the
  // queue delivery). Never throws.
  void run(const std::string& task_id, const std::function<void()>& claim_decided = {});
  // Makes running and later run() calls stop their child at once and hand the task back to the
  // queue for another worker (used on shutdown). Safe from any thread.
  void shut_down() { shutting_down_ = true; }

 private:
  struct Outcome;
  struct Watch;  // the timers of one supervision
  void supervise(const core::Task& task, const std::filesystem::path& work_dir);
  // The `_train-child` command line for `task` in `work_dir`.
  SpawnOptions child_options(const core::Task& task, const std::filesystem::path& work_dir,
                             const std::filesystem::path& dataset,
                             const std::filesystem::path& options,
                             const std::filesystem::path& bundle,
                             const std::filesystem::path& log) const;
  void finish(const std::string& id, const Outcome& outcome, const std::filesystem::path& bundle,
              const std::filesystem::path& log);

  void record_line(const std::string& id, const std::string& line, Outcome& outcome, Watch& watch);
  void keep_watch(const std::string& id, ChildProcess& child, Outcome& outcome, Watch& watch);

  service::TaskService& service_;
  RunnerConfig config_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace trainbox::jobs
