// Worker against a real TaskService (SQLite + file blob store + local queue in a temp dir) and
// a fake training child (a shell script as RunnerConfig.executable), as in task_runner_test.cc.
// The service runs on a FakeClock so leases only run out when a test moves the clock.

#include "jobs/worker.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
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

constexpr const char* kScriptHeader = R"(#!/bin/sh
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) BUNDLE="$2"; shift 2;;
    *) shift;;
  esac
done
echo '{"type":"progress","progress":{"phase":"training","fraction":0.5,"epoch":1,"epochs":2,"eta_s":3}}'
)";

// Trains for a short while, then succeeds.
constexpr const char* kQuickSuccess = R"(sleep 0.25
printf 'the bundle' > "$BUNDLE"
echo '{"type":"result","metrics":{"accuracy":1}}'
exit 0)";

constexpr int64_t kLeaseMs = 1000;

class WorkerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = db::open_task_store("sqlite://" + (dir_.path() / "trainbox.db").string()).value();
    blobs_ = storage::open_file_blob_store(dir_.path() / "blobs").value();
    queue_ = queue::make_local_job_queue();
    service::ServiceConfig service_config;
    service_config.scratch_dir = dir_.path() / "scratch";
    service_config.lease_timeout_ms = kLeaseMs;
    service_ =
        std::make_unique<service::TaskService>(*store_, *blobs_, *queue_, clock_, service_config);
    config_.reaper_period = milliseconds(50);
    config_.runner.executable = dir_.path() / "fake-child.sh";
    config_.runner.work_root = dir_.path() / "work";
    config_.runner.threads = 1;
    config_.runner.cancel_grace = milliseconds(300);
    config_.runner.heartbeat_interval = milliseconds(50);
    config_.runner.stop_poll_interval = milliseconds(20);
  }

  void rebuild_service(int max_attempts) {
    service::ServiceConfig service_config = service_->config();
    service_config.max_attempts = max_attempts;
    service_ =
        std::make_unique<service::TaskService>(*store_, *blobs_, *queue_, clock_, service_config);
  }

  void write_child(const std::string& body) {
    ASSERT_TRUE(
        write_file_atomic(config_.runner.executable, std::string(kScriptHeader) + body + "\n"));
    fsys::permissions(config_.runner.executable, fsys::perms::owner_all,
                      fsys::perm_options::replace);
  }

  std::string create_task() {
    fsys::path upload = dir_.path() / ("upload-" + std::to_string(uploads_++));
    EXPECT_TRUE(write_file_atomic(upload, "PK\x03\x04 a zip, as far as its magic goes"));
    auto task = service_->create(kAnyone, {upload, "shapes.zip", std::nullopt, std::nullopt});
    EXPECT_TRUE(task) << task.error().message;
    return task ? task->id : "";
  }

  TaskStatus status(const std::string& id) {
    auto task = service_->get(kAnyone, id);
    EXPECT_TRUE(task) << task.error().message;
    return task ? task->status : TaskStatus::kQueued;
  }

  core::Task get(const std::string& id) { return service_->get(kAnyone, id).value(); }

  // Polls until `done` holds or `limit` passes; returns whether it held.
  template <class Pred>
  static bool wait_until(Pred done, milliseconds limit = milliseconds(5000)) {
    auto deadline = Steady::now() + limit;
    while (Steady::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(5));
    }
    return done();
  }

  TempDir dir_{fsys::temp_directory_path(), "worker-test"};
  FakeClock clock_;
  std::unique_ptr<db::TaskStore> store_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<queue::JobQueue> queue_;
  std::unique_ptr<service::TaskService> service_;
  WorkerConfig config_;
  int uploads_ = 0;
};

TEST_F(WorkerTest, RunsQueuedTasksAtMostConcurrencyAtOnce) {
  write_child(kQuickSuccess);
  config_.concurrency = 2;
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(create_task());
  Worker worker(*service_, *queue_, config_);
  worker.start();
  size_t most_running = 0;
  bool all_done = wait_until([&] {
    size_t running = 0, completed = 0;
    for (const auto& id : ids) {
      TaskStatus s = status(id);
      running += s == TaskStatus::kRunning;
      completed += s == TaskStatus::kCompleted;
    }
    most_running = std::max(most_running, running);
    return completed == ids.size();
  });
  worker.stop();
  EXPECT_TRUE(all_done);
  EXPECT_EQ(most_running, 2u) << "two dispatchers: two tasks at once, never more";
  for (const auto& id : ids) EXPECT_EQ(get(id).attempts, 1) << id;
}

TEST_F(WorkerTest, TasksQueuedBeforeStartButLostFromTheQueueAreRun) {
  write_child(kQuickSuccess);
  std::string first = create_task();
  std::string second = create_task();
  while (queue_->pop(milliseconds(0)).value()) {
  }  // the queue is lost; the rows stay QUEUED
  ASSERT_EQ(queue_->size().value(), 0u);
  Worker worker(*service_, *queue_, config_);
  worker.start();
  EXPECT_TRUE(wait_until([&] {
    return status(first) == TaskStatus::kCompleted && status(second) == TaskStatus::kCompleted;
  }));
  worker.stop();
}

TEST_F(WorkerTest, StopEndsTheRunningChildHandsItsTaskBackAndLeavesTheRestQueued) {
  write_child("trap '' TERM\nwhile true; do sleep 0.05; done");
  std::string running = create_task();
  std::string waiting = create_task();
  Worker worker(*service_, *queue_, config_);
  worker.start();
  ASSERT_TRUE(wait_until([&] { return get(running).progress.phase == "training"; }));
  auto stop_at = Steady::now();
  worker.stop();
  EXPECT_LT(Steady::now() - stop_at, milliseconds(2000)) << "stop() must not wait for the child";
  core::Task ended = get(running);
  EXPECT_EQ(ended.status, TaskStatus::kQueued);
  EXPECT_EQ(ended.attempts, 0) << "a hand-back is not a failed attempt";
  EXPECT_EQ(status(waiting), TaskStatus::kQueued);
  EXPECT_EQ(get(waiting).attempts, 0);
  worker.stop();  // a second stop is a no-op
}

TEST_F(WorkerTest, StartReapsStaleTasksAndHousekeepingReapsLaterOnes) {
  rebuild_service(/*max_attempts=*/1);
  std::string stale = create_task();
  ASSERT_TRUE(service_->claim(stale).value());
  clock_.advance_ms(kLeaseMs + 1);
  std::string fresh = create_task();
  ASSERT_TRUE(service_->claim(fresh).value());  // claimed by "someone else", beat just now
  Worker worker(*service_, *queue_, config_);
  worker.start();
  EXPECT_EQ(status(stale), TaskStatus::kFailed) << "reaped by start() itself";
  std::this_thread::sleep_for(milliseconds(200));  // a few reaper periods
  EXPECT_EQ(status(fresh), TaskStatus::kRunning) << "its lease has not run out";
  clock_.advance_ms(kLeaseMs + 1);
  EXPECT_TRUE(wait_until([&] { return status(fresh) == TaskStatus::kFailed; }, milliseconds(2000)))
      << "the housekeeping thread reaps it";
  worker.stop();
}

TEST_F(WorkerTest, ATaskWhoseWorkerDiedRunsAgainWhileAttemptsRemain) {
  write_child(R"(printf 'the bundle' > "$BUNDLE"
echo '{"type":"result","metrics":{}}'
exit 0)");
  std::string orphan = create_task();
  while (queue_->pop(milliseconds(0)).value()) {
  }
  ASSERT_TRUE(store_->claim(orphan, clock_.now_ms(), "dead-worker").value());
  clock_.advance_ms(kLeaseMs + 1);
  Worker worker(*service_, *queue_, config_);
  worker.start();
  EXPECT_TRUE(wait_until([&] { return status(orphan) == TaskStatus::kCompleted; }));
  core::Task done = get(orphan);
  EXPECT_EQ(done.attempts, 2);
  EXPECT_EQ(done.worker_id, service_->config().worker_id);
  worker.stop();
}

}  // namespace
}  // namespace trainbox::jobs
