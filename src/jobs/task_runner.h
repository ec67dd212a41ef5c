#pragma once
// Runs one task: claims it, fetches its dataset, starts the training child, records what the
// child reports (progress, dataset, heartbeat), stops it on cancel (SIGTERM, then SIGKILL after a
// grace period), kills it when it runs past its hard time limit or stops reporting (the watchdog),
// and ends the task with the outcome and a reason a person can act on ("disk full: ..." for
// ENOSPC anywhere in the run).
// This is the only place where the service side meets training.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
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
  // The hard time limit (FAILED "time limit of N s reached"): the task's time_budget_s ×
  // time_limit_factor + time_limit_grace (factor 0: no such term), at most max_task (0: no cap).
  double time_limit_factor = 2;
  std::chrono::milliseconds time_limit_grace{120'000};  // loading the data, export, slack
  std::chrono::milliseconds max_task{8 * 3600'000};
  // A child that writes no line on stdout this long is killed (FAILED "no progress for N s"):
  // hung, or stopped (SIGSTOP) while the server kept its lease alive. 0: off.
  std::chrono::milliseconds watchdog{300'000};
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
  void enforce_limits(const std::string& id, ChildProcess& child, Outcome& outcome, Watch& watch);
  // The task's hard time limit; nullopt when none applies.
  std::optional<std::chrono::milliseconds> time_limit(const core::Task& task) const;
  // service.end(), retried briefly while the store is unavailable or full.
  void record_end(const std::string& id, core::TaskStatus status, const std::string& reason);

  service::TaskService& service_;
  RunnerConfig config_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace trainbox::jobs
