#include "jobs/task_runner.h"

#include <fmt/format.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "jobs/child_process.h"
#include "jobs/child_protocol.h"
#include "util/fs.h"
#include "util/log.h"

namespace trainbox::jobs {
namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

struct TaskRunner::Watch {
  Clock::time_point started = Clock::now();
  Clock::time_point last_heartbeat = Clock::now();
  Clock::time_point last_stop_check = Clock::now();
  Clock::time_point last_output = Clock::now();  // the watchdog's: any line on stdout
  std::optional<std::chrono::milliseconds> time_limit;
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
  std::optional<std::string> limit_reason;  // killed by us at the time limit or by the watchdog
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

// ENOSPC, wherever it came from (our writes: kInsufficientStorage; the child: its message or log).
bool is_disk_full(const Error& error) {
  return error.code == ErrorCode::kInsufficientStorage || error.slug == "disk_full" ||
         error.message.find("No space left on device") != std::string::npos;
}
std::string disk_full_reason(std::string reason) {
  if (reason.starts_with("disk full")) return reason;
  return "disk full: " + reason + " (free space in the data dir, then start the task again)";
}
std::string reason_for(const Error& error, const std::string& what) {
  std::string reason = what.empty() ? error.message : what + error.message;
  return is_disk_full(error) ? disk_full_reason(reason) : reason;
}

// Under 1 MiB left where the child writes.
bool nearly_full(const fsys::path& dir) {
  auto available = available_bytes(dir);
  return available && *available < (uint64_t{1} << 20);
}

std::string seconds(std::chrono::milliseconds duration) {
  return fmt::format("{:g}", static_cast<double>(duration.count()) / 1000.0);
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
  auto task = service_.get(service::unrestricted_caller(), task_id);  // the worker sees all
  if (!task) return;
  TRAINBOX_LOG_INFO("task={} RUNNING (attempt {})", task_id, task->attempts);
  fsys::path work_dir = config_.work_root / task_id;
  try {
    std::error_code ignored;
    fsys::remove_all(work_dir, ignored);
    fsys::create_directories(work_dir);
    supervise(*task, work_dir);
  } catch (const fsys::filesystem_error& error) {
    std::string reason = std::string("the work folder could not be prepared: ") + error.what();
    record_end(task_id, core::TaskStatus::kFailed,
               error.code() == std::errc::no_space_on_device ? disk_full_reason(reason) : reason);
  } catch (const std::exception& error) {
    record_end(task_id, core::TaskStatus::kFailed,
               std::string("internal error while running the task: ") + error.what());
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
    record_end(
        id, core::TaskStatus::kFailed,
        reason_for(fetched.error(), "the uploaded dataset could not be read from storage: "));
    return;
  }
  fsys::path options = work_dir / "options.json";
  fsys::path bundle = work_dir / "bundle.zip";
  fsys::path log = work_dir / "child.log";
  nlohmann::json request = {{"options", task.options}, {"limits", ml::to_json(config_.limits)}};
  if (auto written = write_file_atomic(options, request.dump()); !written) {
    record_end(id, core::TaskStatus::kFailed, reason_for(written.error(), ""));
    return;
  }
  auto child = ChildProcess::spawn(child_options(task, work_dir, dataset, options, bundle, log));
  if (!child) {
    record_end(id, core::TaskStatus::kFailed, reason_for(child.error(), ""));
    return;
  }
  TRAINBOX_LOG_INFO("task={} training child pid={}", id, child->pid());

  Outcome outcome;
  Watch watch;
  watch.time_limit = time_limit(task);
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
  watch.last_output = Clock::now();  // any line shows the child is alive
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
  enforce_limits(id, child, outcome, watch);
}

std::optional<std::chrono::milliseconds> TaskRunner::time_limit(const core::Task& task) const {
  std::optional<std::chrono::milliseconds> limit;
  if (config_.time_limit_factor > 0) {
    double budget_s = task.options.is_object() ? task.options.value("time_budget_s", 300.0) : 300.0;
    limit = std::chrono::milliseconds(
                static_cast<int64_t>(budget_s * config_.time_limit_factor * 1000.0)) +
            config_.time_limit_grace;
  }
  if (config_.max_task.count() > 0 && (!limit || *limit > config_.max_task)) {
    limit = config_.max_task;
  }
  return limit;
}

// A child killed here (SIGKILL also ends a stopped one) ends FAILED with the reason, not retried.
void TaskRunner::enforce_limits(const std::string& id, ChildProcess& child, Outcome& outcome,
                                Watch& watch) {
  if (outcome.limit_reason || outcome.shut_down || outcome.killed_by_us) return;
  auto now = Clock::now();
  if (watch.time_limit && now - watch.started >= *watch.time_limit) {
    outcome.limit_reason = fmt::format(
        "time limit of {} s reached: the training ran far past its time budget and was stopped "
        "(raise time_budget_s, or the server's --time-limit-factor / --max-task-seconds)",
        seconds(*watch.time_limit));
  } else if (config_.watchdog.count() > 0 && now - watch.last_output >= config_.watchdog) {
    outcome.limit_reason = fmt::format(
        "no progress for {} s: the training process reported nothing for that long (hung or "
        "stopped) and was killed (the server's --watchdog-s)",
        seconds(config_.watchdog));
  }
  if (!outcome.limit_reason) return;
  TRAINBOX_LOG_WARN("task={} {}; sending SIGKILL", id, *outcome.limit_reason);
  outcome.killed_by_us = true;
  child.signal(SIGKILL);
}

void TaskRunner::record_end(const std::string& id, core::TaskStatus status,
                            const std::string& reason) {
  // A full disk or a database restart may refuse the write for a moment; the run must not then
  // end without a record (the lease would expire and call it a lost worker).
  constexpr int kTries = 3;
  for (int attempt = 1;; ++attempt) {
    auto ended = service_.end(id, status, reason);
    bool transient = !ended && (ended.error().code == ErrorCode::kUnavailable ||
                                ended.error().code == ErrorCode::kInsufficientStorage);
    if (ended || !transient || attempt == kTries) return log_if_failed(id, "record its end", ended);
    std::this_thread::sleep_for(std::chrono::milliseconds(500 * attempt));
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
    record_end(id, TaskStatus::kCancelled, "cancelled by request");
    return;
  }
  if (outcome.limit_reason) return record_end(id, TaskStatus::kFailed, *outcome.limit_reason);
  if (outcome.exit.exited && outcome.exit.code == 0 && outcome.got_result) {
    if (auto completed = service_.complete(id, bundle, outcome.metrics); !completed) {
      record_end(id, TaskStatus::kFailed,
                 reason_for(completed.error(), "the trained model could not be stored: "));
    }
    return;
  }
  if (outcome.error) return record_end(id, TaskStatus::kFailed, reason_for(*outcome.error, ""));
  std::string tail = log_tail(log);
  // A child that hits ENOSPC inside LibTorch often dies of the exception (SIGABRT) before it can
  // say why, and its own log may have been cut short: a nearly full disk tells the same.
  bool disk_full =
      tail.find("No space left on device") != std::string::npos || nearly_full(log.parent_path());
  std::string reason;
  if (!outcome.exit.exited) {
    reason = signal_reason(outcome.exit);
    if (disk_full) reason += ": " + tail;
  } else if (outcome.exit.code == 0) {
    reason = fmt::format("the training process ended (exit code 0) without reporting a result{}",
                         tail.empty() ? "" : ": " + tail);
  } else {
    reason = fmt::format("the training process stopped with {}{}", describe(outcome.exit),
                         tail.empty() ? "" : ": " + tail);
  }
  record_end(id, TaskStatus::kFailed, disk_full ? disk_full_reason(reason) : reason);
}

}  // namespace trainbox::jobs
