#include "jobs/task_runner.h"

#include <fmt/format.h>
#include <signal.h>

#include <fstream>

#include "jobs/child_process.h"
#include "jobs/child_protocol.h"
#include "util/fs.h"
#include "util/log.h"

namespace trainbox::jobs {
namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

struct TaskRunner::Watch {
  Clock::time_point last_heartbeat = Clock::now();
  Clock::time_point last_stop_check = Clock::now();
  std::optional<Clock::time_point> term_sent;
};

struct TaskRunner::Outcome {
  ExitStatus exit;
  bool stop_requested = false;
  bool shut_down = false;
  bool killed_by_us = false;
  bool got_result = false;
  nlohmann::json metrics;
  std::optional<Error> error;
};

namespace {

// The last lines of the child's log, for a reason when it died without saying why.
std::string log_tail(const fsys::path& log, size_t max_lines = 3) {
  std::ifstream in(log);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    lines.push_back(line);
    if (lines.size() > max_lines) lines.erase(lines.begin());
  }
  std::string tail;
  for (const auto& line : lines) tail += (tail.empty() ? "" : " | ") + line.substr(0, 300);
  return tail;
}

std::string signal_reason(const ExitStatus& exit) {
  std::string reason = fmt::format("the training process was killed by {}", describe(exit));
  if (exit.signal == SIGKILL) {
    reason +=
        "; if nobody stopped it, the system most likely ran out of memory (try fewer or "
        "smaller images)";
  }
  return reason;
}

// A store write the runner cannot act on (the store is down, or the task was deleted meanwhile)
// is logged with the task id, never silently dropped: the lease then expires and the task is
// handed out again or reported stale.
void log_if_failed(std::string_view id, std::string_view what, const Status& status) {
  if (!status) TRAINBOX_LOG_WARN("task={} could not {}: {}", id, what, status.error().message);
}

}  // namespace

TaskRunner::TaskRunner(service::TaskService& service, RunnerConfig config)
    : service_(service), config_(std::move(config)) {}

void TaskRunner::run(const std::string& task_id, const std::function<void()>& claim_decided) {
  if (shutting_down_) return;  // stays QUEUED and unacknowledged: handed out again
  auto claimed = service_.claim(task_id);
  // A claim that failed on the database leaves the delivery unacknowledged, to be handed out
  // again after the queue's lease.
  if (claimed && claim_decided) claim_decided();
  if (!claimed || !*claimed) return;  // cancelled, deleted or taken by another worker
  auto task = service_.get(task_id);
  if (!task) return;
  TRAINBOX_LOG_INFO("task={} RUNNING (attempt {})", task_id, task->attempts);
  fsys::path work_dir = config_.work_root / task_id;
  try {
    std::error_code ignored;
    fsys::remove_all(work_dir, ignored);
    fsys::create_directories(work_dir);
    supervise(*task, work_dir);
  } catch (const std::exception& error) {
    log_if_failed(
        task_id, "record its end",
        service_.end(task_id, core::TaskStatus::kFailed,
                     std::string("internal error while running the task: ") + error.what()));
  }
  std::error_code ignored;
  fsys::remove_all(work_dir, ignored);
}

SpawnOptions TaskRunner::child_options(const core::Task& task, const fsys::path& work_dir,
                                       const fsys::path& dataset, const fsys::path& options,
                                       const fsys::path& bundle, const fsys::path& log) const {
  SpawnOptions spawn;
  spawn.argv = {config_.executable.string(),
                "_train-child",
                "--kind",
                core::to_string(task.kind),
                "--dataset",
                dataset.string(),
                "--options-file",
                options.string(),
                "--work-dir",
                (work_dir / "scratch").string(),
                "--bundle",
                bundle.string(),
                "--threads",
                std::to_string(config_.threads)};
  if (!config_.backbones_dir.empty()) {
    spawn.argv.insert(spawn.argv.end(), {"--backbones-dir", config_.backbones_dir.string()});
  }
  spawn.stderr_log = log;
  spawn.memory_limit_bytes = config_.child_memory_limit_bytes;
  return spawn;
}

void TaskRunner::supervise(const core::Task& task, const fsys::path& work_dir) {
  const std::string& id = task.id;
  fsys::path dataset = work_dir / fsys::path(task.dataset_key).filename();
  if (auto fetched = service_.fetch_dataset(task, dataset); !fetched) {
    log_if_failed(id, "record its end",
                  service_.end(id, core::TaskStatus::kFailed,
                               "the uploaded dataset could not be read from storage: " +
                                   fetched.error().message));
    return;
  }
  fsys::path options = work_dir / "options.json";
  fsys::path bundle = work_dir / "bundle.zip";
  fsys::path log = work_dir / "child.log";
  nlohmann::json request = {{"options", task.options}, {"limits", ml::to_json(config_.limits)}};
  if (auto written = write_file_atomic(options, request.dump()); !written) {
    log_if_failed(id, "record its end",
                  service_.end(id, core::TaskStatus::kFailed, written.error().message));
    return;
  }
  auto child = ChildProcess::spawn(child_options(task, work_dir, dataset, options, bundle, log));
  if (!child) {
    log_if_failed(id, "record its end",
                  service_.end(id, core::TaskStatus::kFailed, child.error().message));
    return;
  }
  TRAINBOX_LOG_INFO("task={} training child pid={}", id, child->pid());

  Outcome outcome;
  Watch watch;
  while (true) {
    // The timed checks run on every pass: a child that prints faster than the read wait must
    // still see a cancel, a shutdown and its lease renewed.
    if (auto line = child->read_line(std::chrono::milliseconds(100))) {
      record_line(id, *line, outcome, watch);
    } else if (child->eof()) {
      outcome.exit = child->wait();
      break;
    }
    keep_watch(id, *child, outcome, watch);
  }
  finish(id, outcome, bundle, log);
}

void TaskRunner::record_line(const std::string& id, const std::string& line, Outcome& outcome,
                             Watch& watch) {
  auto message = parse_child_message(line);
  if (!message) return;  // a stray print
  switch (message->type) {
    case ChildMessage::Type::kProgress:
      log_if_failed(id, "record progress", service_.record_progress(id, message->progress));
      watch.last_heartbeat = Clock::now();  // recording progress renews the lease too
      break;
    case ChildMessage::Type::kDataset:
      log_if_failed(id, "record its dataset",
                    service_.record_dataset(id, message->dataset, message->classes));
      break;
    case ChildMessage::Type::kResult:
      outcome.got_result = true;
      outcome.metrics = message->metrics;
      break;
    case ChildMessage::Type::kError:
      outcome.error = message->error;
      break;
  }
}

void TaskRunner::keep_watch(const std::string& id, ChildProcess& child, Outcome& outcome,
                            Watch& watch) {
  auto now = Clock::now();
  if (now - watch.last_heartbeat >= config_.heartbeat_interval) {
    log_if_failed(id, "renew its lease", service_.heartbeat(id));
    watch.last_heartbeat = now;
  }
  if (shutting_down_ && !outcome.shut_down) {
    outcome.shut_down = true;
    child.signal(SIGKILL);
  }
  if (!outcome.stop_requested && now - watch.last_stop_check >= config_.stop_poll_interval) {
    watch.last_stop_check = now;
    if (service_.should_stop(id)) {
      outcome.stop_requested = true;
      watch.term_sent = now;
      TRAINBOX_LOG_INFO("task={} stopping the training child (SIGTERM)", id);
      child.signal(SIGTERM);
    }
  }
  if (watch.term_sent && !outcome.killed_by_us && now - *watch.term_sent >= config_.cancel_grace) {
    TRAINBOX_LOG_WARN("task={} training child ignored SIGTERM; sending SIGKILL", id);
    outcome.killed_by_us = true;
    child.signal(SIGKILL);
  }
}

void TaskRunner::finish(const std::string& id, const Outcome& outcome, const fsys::path& bundle,
                        const fsys::path& log) {
  using core::TaskStatus;
  TRAINBOX_LOG_INFO("task={} training child ended: {}", id, describe(outcome.exit));
  if (outcome.shut_down) {
    log_if_failed(id, "hand it back to the queue", service_.hand_back(id));
    return;
  }
  if (outcome.stop_requested) {
    if (!service_.runs_here(id)) {
      TRAINBOX_LOG_WARN(
          "task={} was taken from this worker (lease lost, or deleted); this run "
          "ends without a record",
          id);
      return;
    }
    log_if_failed(id, "record its end",
                  service_.end(id, TaskStatus::kCancelled, "cancelled by request"));
    return;
  }
  if (outcome.exit.exited && outcome.exit.code == 0 && outcome.got_result) {
    if (auto completed = service_.complete(id, bundle, outcome.metrics); !completed) {
      log_if_failed(
          id, "record its end",
          service_.end(id, TaskStatus::kFailed,
                       "the trained model could not be stored: " + completed.error().message));
    }
    return;
  }
  if (outcome.error) {
    log_if_failed(id, "record its end",
                  service_.end(id, TaskStatus::kFailed, outcome.error->message));
    return;
  }
  if (!outcome.exit.exited) {
    log_if_failed(id, "record its end",
                  service_.end(id, TaskStatus::kFailed, signal_reason(outcome.exit)));
    return;
  }
  std::string tail = log_tail(log);
  if (outcome.exit.code == 0) {
    log_if_failed(id, "record its end",
                  service_.end(id, TaskStatus::kFailed,
                               fmt::format("the training process ended (exit code 0) without "
                                           "reporting a result{}",
                                           tail.empty() ? "" : ": " + tail)));
    return;
  }
  log_if_failed(id, "record its end",
                service_.end(id, TaskStatus::kFailed,
                             fmt::format("the training process stopped with {}{}",
                                         describe(outcome.exit), tail.empty() ? "" : ": " + tail)));
}

}  // namespace trainbox::jobs
