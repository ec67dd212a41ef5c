// TaskRunner's supervision against a fake training child: RunnerConfig.executable points at a
// small shell script each test writes, so the real code paths run (fork/exec, the stdout pipe,
// SIGTERM/SIGKILL, wait) against a real TaskService on SQLite + a file blob store in a temp dir.
// The script speaks the child protocol (child_protocol.h) on stdout. Timings are short (grace
// 300 ms, heartbeat 50 ms, stop poll 20 ms) and used only as generous bounds.

#include "jobs/task_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "queue/local_job_queue.h"
#include "storage/file_blob_store.h"
#include "util/clock.h"
#include "util/fs.h"

namespace trainbox::jobs {
namespace {

// These suites test the jobs, not accounts: every call is made as the unrestricted caller.
const service::Caller kAnyone = service::unrestricted_caller();
namespace fsys = std::filesystem;
using core::TaskStatus;
using std::chrono::milliseconds;
using Steady = std::chrono::steady_clock;

// Parses the runner's command line into shell variables; $ARGS keeps it whole.
constexpr const char* kScriptHeader = R"(#!/bin/sh
ARGS="$*"
while [ $# -gt 0 ]; do
  case "$1" in
    --kind) KIND="$2"; shift 2;;
    --dataset) DATASET="$2"; shift 2;;
    --options-file) OPTIONS="$2"; shift 2;;
    --work-dir) WORK="$2"; shift 2;;
    --bundle) BUNDLE="$2"; shift 2;;
    --threads) THREADS="$2"; shift 2;;
    *) shift;;
  esac
done
)";

constexpr const char* kProgressLine =
    R"(echo '{"type":"progress","progress":{"phase":"training","fraction":0.5,"epoch":1,"epochs":2,"eta_s":3}}')";

class TaskRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = db::open_task_store("sqlite://" + (dir_.path() / "trainbox.db").string()).value();
    blobs_ = storage::open_file_blob_store(dir_.path() / "blobs").value();
    queue_ = queue::make_local_job_queue();
    service::ServiceConfig service_config;
    service_config.scratch_dir = dir_.path() / "scratch";
    service_config.lease_timeout_ms = 600;
    service_ =
        std::make_unique<service::TaskService>(*store_, *blobs_, *queue_, clock_, service_config);
    config_.executable = dir_.path() / "fake-child.sh";
    config_.work_root = dir_.path() / "work";
    config_.threads = 2;
    config_.cancel_grace = milliseconds(300);
    config_.heartbeat_interval = milliseconds(50);
    config_.stop_poll_interval = milliseconds(20);
  }

  // The fake child: the header above, then `body`.
  void write_child(const std::string& body) {
    ASSERT_TRUE(write_file_atomic(config_.executable, std::string(kScriptHeader) + body + "\n"));
    fsys::permissions(config_.executable, fsys::perms::owner_all, fsys::perm_options::replace);
  }

  core::Task create_task(std::optional<std::string> options = std::nullopt) {
    fsys::path upload = dir_.path() / ("upload-" + std::to_string(uploads_++));
    EXPECT_TRUE(write_file_atomic(upload, kDatasetBytes));
    auto task = service_->create(kAnyone, {upload, "shapes.zip", std::nullopt, std::move(options)});
    EXPECT_TRUE(task) << task.error().message;
    return task.value_or(core::Task{});
  }

  core::Task get(const std::string& id) {
    auto task = service_->get(kAnyone, id);
    EXPECT_TRUE(task) << task.error().message;
    return task.value_or(core::Task{});
  }

  // Runs a new task to its end on this thread with the child `body`.
  core::Task run_child(const std::string& body) {
    write_child(body);
    core::Task task = create_task();
    TaskRunner runner(*service_, config_);
    runner.run(task.id);
    return get(task.id);
  }

  // Waits until the child has reported the training phase, i.e. it is up and running.
  bool wait_until_training(const std::string& id) {
    auto deadline = Steady::now() + std::chrono::seconds(5);
    while (Steady::now() < deadline) {
      auto task = service_->get(kAnyone, id);
      if (task && task->progress.phase == "training") return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return false;
  }

  // Runs `id` on `runner` in a thread and, once it is training, calls `act`; returns how long the
  // runner took to return after `act`. nullopt when it never reached training or `act` returned
  // false (the runner is then shut down, so the thread always ends).
  std::optional<Steady::duration> time_after(TaskRunner& runner, const std::string& id,
                                             const std::function<bool()>& act) {
    std::thread running([&] { runner.run(id); });
    bool acted = wait_until_training(id) && act();
    auto acted_at = Steady::now();
    if (!acted) runner.shut_down();
    running.join();
    if (!acted) return std::nullopt;
    return Steady::now() - acted_at;
  }

  bool model_stored(const std::string& id) {
    return blobs_->exists(service::model_key(id)).value_or(true);
  }

  static constexpr std::string_view kDatasetBytes = "PK\x03\x04 a zip, as far as its magic goes";
  TempDir dir_{fsys::temp_directory_path(), "runner-test"};
  SystemClock clock_;  // real time: the heartbeat test watches the lease against it
  std::unique_ptr<db::TaskStore> store_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<queue::JobQueue> queue_;
  std::unique_ptr<service::TaskService> service_;
  RunnerConfig config_;
  int uploads_ = 0;
};

bool contains(const std::optional<std::string>& text, std::string_view part) {
  return text && text->find(part) != std::string::npos;
}

TEST_F(TaskRunnerTest, ResultAndBundleCompleteTheTaskAndTheChildGetsItsInputs) {
  fsys::path seen = dir_.path() / "seen";
  fsys::create_directories(seen);
  core::Task task =
      run_child(std::string(kProgressLine) + "\n" + "echo \"$ARGS\" > " + (seen / "argv").string() +
                "\n" + "cp \"$DATASET\" " + (seen / "dataset").string() + "\n" +
                "cp \"$OPTIONS\" " + (seen / "options.json").string() + "\n" +
                R"(printf 'the bundle' > "$BUNDLE"
echo '{"type":"result","metrics":{"accuracy":0.75}}'
exit 0)");
  EXPECT_EQ(task.status, TaskStatus::kCompleted);
  EXPECT_FALSE(task.error) << *task.error;
  EXPECT_EQ(task.attempts, 1);
  EXPECT_EQ(task.metrics.value("accuracy", 0.0), 0.75);
  EXPECT_EQ(task.progress.phase, "done");
  EXPECT_EQ(task.model_key, service::model_key(task.id));
  EXPECT_EQ(blobs_->get_bytes(service::model_key(task.id)).value_or(""), "the bundle");
  EXPECT_EQ(task.model_size, 10);
  EXPECT_EQ(task.model_sha256, "bab59f2948216e8ff89b7fc8655f94db6143a00897c68860d3bcf0ff9c2e5212");

  fsys::path work = config_.work_root / task.id;
  EXPECT_EQ(read_file(seen / "argv").value_or(""),
            "_train-child --kind image --dataset " + (work / "dataset.zip").string() +
                " --options-file " + (work / "options.json").string() + " --work-dir " +
                (work / "scratch").string() + " --bundle " + (work / "bundle.zip").string() +
                " --threads 2\n");
  EXPECT_EQ(read_file(seen / "dataset").value_or(""), kDatasetBytes);
  auto request = nlohmann::json::parse(read_file(seen / "options.json").value_or(""), nullptr,
                                       /*allow_exceptions=*/false);
  EXPECT_TRUE(request.is_object() && request.contains("options") && request.contains("limits"))
      << request.dump();
  EXPECT_FALSE(fsys::exists(work)) << "the work dir is removed after the run";
}

TEST_F(TaskRunnerTest, NonZeroExitFailsWithTheCodeAndStderrTailAndKeepsWhatWasReported) {
  core::Task task = run_child(std::string(kProgressLine) + "\n" + R"(
echo '{"type":"dataset","dataset":{"num_items":10,"class_counts":{"cat":6,"dog":4},"warnings":["few dogs"]},"classes":["cat","dog"]}'
echo 'line one' >&2
echo 'line two' >&2
echo 'line three' >&2
echo 'line four' >&2
exit 7)");
  EXPECT_EQ(task.status, TaskStatus::kFailed);
  EXPECT_EQ(task.error.value_or(""),
            "the training process stopped with exit code 7: line two | line three | line four");
  EXPECT_GT(task.finished_at_ms, 0);
  // What the child reported before it died stays on the row.
  EXPECT_EQ(task.progress.phase, "failed");
  EXPECT_EQ(task.progress.fraction, 0.5);
  EXPECT_EQ(task.progress.epoch, 1);
  EXPECT_EQ(task.progress.epochs, 2);
  EXPECT_EQ(task.dataset.value("num_items", 0), 10);
  EXPECT_EQ(task.dataset["class_counts"].value("dog", 0), 4);
  EXPECT_EQ(task.dataset["warnings"], nlohmann::json::array({"few dogs"}));
  EXPECT_EQ(task.classes, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_FALSE(model_stored(task.id));
  EXPECT_FALSE(fsys::exists(config_.work_root / task.id));
}

TEST_F(TaskRunnerTest, ErrorLineIsTheReason) {
  core::Task task = run_child(R"(
echo '{"type":"error","code":"invalid_argument","slug":"class_too_small","message":"class dog has 1 image; each class needs at least 2"}'
echo 'Traceback noise that must not become the reason' >&2
exit 2)");
  EXPECT_EQ(task.status, TaskStatus::kFailed);
  EXPECT_EQ(task.error.value_or(""), "class dog has 1 image; each class needs at least 2");
  EXPECT_FALSE(model_stored(task.id));
}

TEST_F(TaskRunnerTest, DeathBySignalNamesTheSignalAndOnlySigkillSuggestsMemory) {
  core::Task killed = run_child(std::string(kProgressLine) + "\nkill -KILL $$\nsleep 5");
  EXPECT_EQ(killed.status, TaskStatus::kFailed);
  EXPECT_TRUE(contains(killed.error, "killed by signal 9 (SIGKILL)")) << *killed.error;
  EXPECT_TRUE(contains(killed.error, "ran out of memory")) << *killed.error;

  // Someone else's SIGTERM (not a cancel): no memory hint. (Not SIGSEGV: it would dump core.)
  core::Task terminated = run_child("kill -TERM $$\nsleep 5");
  EXPECT_EQ(terminated.status, TaskStatus::kFailed);
  EXPECT_EQ(terminated.error.value_or(""),
            "the training process was killed by signal 15 (SIGTERM)");
}

TEST_F(TaskRunnerTest, CancelKillsAChildThatIgnoresTermAfterTheGrace) {
  write_child(std::string("trap '' TERM\n") + kProgressLine + "\nwhile true; do sleep 0.05; done");
  core::Task task = create_task();
  TaskRunner runner(*service_, config_);
  auto took =
      time_after(runner, task.id, [&] { return service_->cancel(kAnyone, task.id).has_value(); });
  ASSERT_TRUE(took);

  core::Task ended = get(task.id);
  EXPECT_EQ(ended.status, TaskStatus::kCancelled);
  EXPECT_EQ(ended.error.value_or(""), "cancelled by request");
  EXPECT_EQ(ended.progress.phase, "cancelled");
  EXPECT_GE(*took, config_.cancel_grace) << "SIGKILL came before the grace period ended";
  EXPECT_LT(*took, std::chrono::seconds(3));
}

TEST_F(TaskRunnerTest, CancelEndsAChildThatHonoursTermWithoutWaitingForTheGrace) {
  config_.cancel_grace = milliseconds(3000);
  write_child(std::string("trap 'echo stopping >&2; exit 3' TERM\n") + kProgressLine +
              "\nwhile true; do sleep 0.05; done");
  core::Task task = create_task();
  TaskRunner runner(*service_, config_);
  auto took =
      time_after(runner, task.id, [&] { return service_->cancel(kAnyone, task.id).has_value(); });
  ASSERT_TRUE(took);

  core::Task ended = get(task.id);
  EXPECT_EQ(ended.status, TaskStatus::kCancelled);
  EXPECT_EQ(ended.error.value_or(""), "cancelled by request");
  EXPECT_LT(*took, milliseconds(2000)) << "the child should have ended on SIGTERM, not SIGKILL";
}

TEST_F(TaskRunnerTest, DeleteWhileRunningStopsTheChildAndLeavesNothing) {
  write_child(std::string(kProgressLine) + "\nwhile true; do sleep 0.05; done");
  core::Task task = create_task();
  TaskRunner runner(*service_, config_);
  // Returns: the child was stopped.
  ASSERT_TRUE(
      time_after(runner, task.id, [&] { return service_->remove(kAnyone, task.id).has_value(); }));
  EXPECT_EQ(service_->get(kAnyone, task.id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(blobs_->list(service::task_prefix(task.id)).value().empty());
  EXPECT_FALSE(fsys::exists(config_.work_root / task.id));
}

TEST_F(TaskRunnerTest, ShutDownKillsTheChildAtOnceAndHandsTheTaskBack) {
  config_.cancel_grace = milliseconds(3000);  // shut-down must not wait for it
  write_child(std::string("trap '' TERM\n") + kProgressLine + "\nwhile true; do sleep 0.05; done");
  core::Task task = create_task();
  core::Task later = create_task();
  TaskRunner runner(*service_, config_);
  auto took = time_after(runner, task.id, [&] {
    runner.shut_down();
    return true;
  });
  ASSERT_TRUE(took);

  core::Task ended = get(task.id);
  EXPECT_EQ(ended.status, TaskStatus::kQueued) << "handed back for another worker";
  EXPECT_EQ(ended.attempts, 0);
  EXPECT_LT(*took, milliseconds(2000));

  // After shut-down, run() leaves a task QUEUED for the next start.
  runner.run(later.id);
  core::Task untouched = get(later.id);
  EXPECT_EQ(untouched.status, TaskStatus::kQueued);
  EXPECT_EQ(untouched.attempts, 0);
}

TEST_F(TaskRunnerTest, GarbageOnStdoutAndExitZeroWithoutAResultFails) {
  core::Task task = run_child(R"(
echo 'not json at all'
echo '{"type":"unknown","message":"x"}'
echo '{"type":'
echo '[1,2,3]'
echo '"result"'
printf 'the bundle' > "$BUNDLE"
exit 0)");
  EXPECT_EQ(task.status, TaskStatus::kFailed);
  EXPECT_TRUE(contains(task.error, "exit code 0")) << task.error.value_or("");
  EXPECT_TRUE(task.model_key.empty());
  EXPECT_FALSE(model_stored(task.id)) << "no result: the bundle must not be kept";
}

TEST_F(TaskRunnerTest, ResultWithoutABundleFileFails) {
  core::Task task = run_child(R"(echo '{"type":"result","metrics":{"accuracy":1}}'
exit 0)");
  EXPECT_EQ(task.status, TaskStatus::kFailed);
  EXPECT_TRUE(task.error.value_or("").starts_with("the trained model could not be stored: "))
      << task.error.value_or("");
  EXPECT_FALSE(model_stored(task.id));
}

TEST_F(TaskRunnerTest, QuietChildKeepsItsLeaseByHeartbeat) {
  // The child says nothing for 1 s, longer than the 0.6 s lease; only heartbeats keep it alive.
  // A reaper runs all along, and a claimed task nobody beats for shows that it does reap.
  write_child(R"(sleep 1
printf 'the bundle' > "$BUNDLE"
echo '{"type":"result","metrics":{}}'
exit 0)");
  core::Task task = create_task();
  core::Task abandoned = create_task();
  ASSERT_TRUE(service_->claim(abandoned.id).value());
  TaskRunner runner(*service_, config_);
  std::atomic<bool> done{false};
  int reaped = 0;
  std::set<int64_t> beats;
  std::thread reaper([&] {
    while (!done) {
      reaped += service_->reap_stale().value_or(0);
      if (auto seen = service_->get(kAnyone, task.id);
          seen && seen->status == TaskStatus::kRunning) {
        beats.insert(seen->heartbeat_at_ms);
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  });
  runner.run(task.id);
  done = true;
  reaper.join();

  core::Task ended = get(task.id);
  EXPECT_EQ(ended.status, TaskStatus::kCompleted) << ended.error.value_or("");
  EXPECT_GE(beats.size(), 3u) << "the heartbeat time did not advance";
  EXPECT_GE(ended.heartbeat_at_ms - ended.started_at_ms, service_->config().lease_timeout_ms)
      << "it beat until after a lease would have run out";
  EXPECT_EQ(reaped, 1);
  core::Task reaped_task = get(abandoned.id);
  EXPECT_EQ(reaped_task.status, TaskStatus::kQueued) << "queued again for another attempt";
}

// A regression test: the runner once ran its timed checks (cancel poll, heartbeat, shut-down,
// SIGKILL after the grace) only when read_line() waited 100 ms without a line, so a child printing
// more often than that was never stopped.
TEST_F(TaskRunnerTest, ChattyChildStillSeesCancel) {
  // A child printing a stray line every 20 ms (never a protocol message) for about 2 s.
  write_child(
      std::string(kProgressLine) +
      "\ni=0; while [ $i -lt 100 ]; do echo \"stray $i\"; sleep 0.02; i=$((i+1)); done; exit 0");
  core::Task task = create_task();
  TaskRunner runner(*service_, config_);
  auto took =
      time_after(runner, task.id, [&] { return service_->cancel(kAnyone, task.id).has_value(); });
  ASSERT_TRUE(took);
  core::Task ended = get(task.id);
  EXPECT_EQ(ended.status, TaskStatus::kCancelled) << ended.error.value_or("");
  EXPECT_LT(*took, milliseconds(1000));
}

// Runs `id` to its end on this thread and returns how long it took.
Steady::duration timed_run(TaskRunner& runner, const std::string& id) {
  auto started = Steady::now();
  runner.run(id);
  return Steady::now() - started;
}

TEST_F(TaskRunnerTest, HardTimeLimitKillsAChildThatKeepsReportingPastIt) {
  // A child that reports progress forever: only the time limit ends it.
  write_child(std::string("while true; do ") + kProgressLine + "; sleep 0.05; done");
  config_.time_limit_factor = 0.05;  // time_budget_s 10 -> 0.5 s, + no grace
  config_.time_limit_grace = milliseconds(0);
  core::Task budgeted = create_task(R"({"time_budget_s": 10})");
  TaskRunner runner(*service_, config_);
  auto took = timed_run(runner, budgeted.id);
  core::Task ended = get(budgeted.id);
  EXPECT_EQ(ended.status, TaskStatus::kFailed);
  EXPECT_TRUE(contains(ended.error, "time limit of 0.5 s reached")) << ended.error.value_or("");
  EXPECT_GE(took, milliseconds(500));
  EXPECT_LT(took, std::chrono::seconds(3));

  config_.time_limit_factor = 2;  // 20 s, but the absolute cap is lower
  config_.max_task = milliseconds(300);
  core::Task capped = create_task(R"({"time_budget_s": 10})");
  TaskRunner capped_runner(*service_, config_);
  EXPECT_LT(timed_run(capped_runner, capped.id), std::chrono::seconds(3));
  EXPECT_TRUE(contains(get(capped.id).error, "time limit of 0.3 s reached"))
      << get(capped.id).error.value_or("");
  EXPECT_EQ(get(capped.id).attempts, 1) << "not queued again";
}

TEST_F(TaskRunnerTest, WatchdogKillsAStoppedChildThatTheServerKeptAlive) {
  // SIGSTOP: the child can neither report nor die; only the runner's heartbeats went on.
  config_.watchdog = milliseconds(500);
  write_child(std::string(kProgressLine) + "\nkill -STOP $$\nsleep 30");
  core::Task task = create_task();
  TaskRunner runner(*service_, config_);
  auto took = timed_run(runner, task.id);
  core::Task ended = get(task.id);
  EXPECT_EQ(ended.status, TaskStatus::kFailed);
  EXPECT_TRUE(contains(ended.error, "no progress for 0.5 s")) << ended.error.value_or("");
  EXPECT_LT(took, std::chrono::seconds(3));

  // A hung child that never printed a line at all.
  core::Task silent = run_child("sleep 30");
  EXPECT_TRUE(contains(silent.error, "no progress for 0.5 s")) << silent.error.value_or("");
}

TEST_F(TaskRunnerTest, NoSpaceLeftIsReportedAsDiskFull) {
  core::Task logged = run_child(std::string(kProgressLine) + R"(
echo 'cannot write features.bin: No space left on device' >&2
exit 1)");
  EXPECT_EQ(logged.status, TaskStatus::kFailed);
  EXPECT_TRUE(logged.error.value_or("").starts_with("disk full: ")) << logged.error.value_or("");
  EXPECT_TRUE(contains(logged.error, "No space left on device"));

  core::Task reported = run_child(R"(
echo '{"type":"error","code":"insufficient_storage","slug":"disk_full","message":"could not write the bundle: No space left on device"}'
exit 2)");
  EXPECT_TRUE(reported.error.value_or("").starts_with("disk full: could not write the bundle"))
      << reported.error.value_or("");
}

}  // namespace
}  // namespace trainbox::jobs
