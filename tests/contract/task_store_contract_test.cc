// One contract suite for every TaskStore implementation (the backends: store_factories.h).

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

#include "db/task_store.h"
#include "tests/contract/store_factories.h"
#include "util/fs.h"
#include "util/ids.h"

namespace trainbox::db {
namespace {

using core::Completion;
using core::Task;
using core::TaskStatus;

class TaskStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    url_ = GetParam().url(scratch_.path());
    ASSERT_FALSE(url_.empty());
    auto opened = open_task_store(url_);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().drop && !url_.empty()) GetParam().drop(url_);
  }
  Task new_task(int64_t created_at_ms = 1000, std::string owner = "", int64_t dataset_size = 0) {
    Task task;
    task.id = new_task_id();
    task.created_at_ms = created_at_ms;
    task.owner = std::move(owner);
    task.dataset_size = dataset_size;
    task.dataset_key = "tasks/" + task.id + "/dataset.zip";
    task.options = {{"epochs", 3}};
    EXPECT_TRUE(store_->insert(task));
    return task;
  }

  TempDir scratch_{std::filesystem::temp_directory_path(), "store-contract"};
  std::string url_;
  std::unique_ptr<TaskStore> store_;
};

TEST_P(TaskStoreContract, InsertThenGetReturnsTheSameTask) {
  Task task = new_task();
  auto got = store_->get(task.id);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->id, task.id);
  EXPECT_EQ(got->status, TaskStatus::kQueued);
  EXPECT_EQ(got->options["epochs"], 3);
  EXPECT_EQ(got->dataset_key, task.dataset_key);
  EXPECT_EQ(got->created_at_ms, 1000);
}

TEST_P(TaskStoreContract, DuplicateIdIsAConflict) {
  Task task = new_task();
  auto again = store_->insert(task);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, ErrorCode::kConflict);
}

TEST_P(TaskStoreContract, UnknownIdIsNotFound) {
  auto got = store_->get(new_task_id());
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->remove(new_task_id()).error().code, ErrorCode::kNotFound);
}

TEST_P(TaskStoreContract, ListIsNewestFirstWithTotalAndPaging) {
  Task old_task = new_task(1000);
  Task mid_task = new_task(2000);
  Task new_one = new_task(3000);
  auto page = store_->list(2, 0, std::nullopt);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 3);
  ASSERT_EQ(page->tasks.size(), 2u);
  EXPECT_EQ(page->tasks[0].id, new_one.id);
  EXPECT_EQ(page->tasks[1].id, mid_task.id);
  auto rest = store_->list(2, 2, std::nullopt);
  ASSERT_TRUE(rest);
  ASSERT_EQ(rest->tasks.size(), 1u);
  EXPECT_EQ(rest->tasks[0].id, old_task.id);
}

TEST_P(TaskStoreContract, ListByOwnerShowsOnlyThatOwnersTasks) {
  Task mine = new_task(1000, "alice");
  Task theirs = new_task(2000, "bob");
  Task also_mine = new_task(3000, "alice");
  auto page = store_->list(10, 0, std::string("alice"));
  ASSERT_TRUE(page);
  EXPECT_EQ(page->total, 2);
  ASSERT_EQ(page->tasks.size(), 2u);
  EXPECT_EQ(page->tasks[0].id, also_mine.id);
  EXPECT_EQ(page->tasks[1].id, mine.id);
  EXPECT_EQ(page->tasks[0].owner, "alice");
  auto nobody = store_->list(10, 0, std::string("carol"));
  ASSERT_TRUE(nobody);
  EXPECT_EQ(nobody->total, 0);
  EXPECT_TRUE(nobody->tasks.empty());
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 3);
  EXPECT_EQ(store_->get(theirs.id)->owner, "bob");
}

TEST_P(TaskStoreContract, UsageCountsActiveTasksAndStoredBytesOfOneOwner) {
  Task queued = new_task(1000, "alice", 100);
  Task running = new_task(2000, "alice", 200);
  Task done = new_task(3000, "alice", 300);
  new_task(4000, "bob", 5000);
  ASSERT_TRUE(store_->claim(running.id, 10, "w").value());
  Completion completion;
  completion.model_key = "tasks/" + done.id + "/model.zip";
  completion.model_size = 40;
  ASSERT_TRUE(store_->finish(done.id, completion, 20).value());
  auto usage = store_->usage("alice");
  ASSERT_TRUE(usage);
  EXPECT_EQ(usage->active_tasks, 2);
  EXPECT_EQ(usage->stored_bytes, 100 + 200 + 300 + 40);
  EXPECT_EQ(store_->usage("carol")->active_tasks, 0);
  EXPECT_EQ(store_->usage("carol")->stored_bytes, 0);
  EXPECT_EQ(store_->get(queued.id)->dataset_size, 100);
}

TEST_P(TaskStoreContract, ClaimSucceedsOnceAndCountsAttempts) {
  Task task = new_task();
  EXPECT_TRUE(store_->claim(task.id, 5000, "worker-a").value());
  EXPECT_FALSE(store_->claim(task.id, 5001, "worker-a").value());
  auto got = store_->get(task.id).value();
  EXPECT_EQ(got.status, TaskStatus::kRunning);
  EXPECT_EQ(got.attempts, 1);
  EXPECT_EQ(got.started_at_ms, 5000);
  EXPECT_EQ(got.heartbeat_at_ms, 5000);
}

TEST_P(TaskStoreContract, ConcurrentClaimsHaveExactlyOneWinner) {
  Task task = new_task();
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      if (store_->claim(task.id, 5000, "worker-a").value_or(false)) ++winners;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
}

TEST_P(TaskStoreContract, ProgressAndDatasetOnlyApplyWhileRunning) {
  Task task = new_task();
  core::Progress progress;
  progress.phase = "training";
  progress.epoch = 2;
  ASSERT_TRUE(store_->record_progress(task.id, progress, 6000));
  EXPECT_EQ(store_->get(task.id)->progress.phase, "queued");  // not running yet: ignored
  ASSERT_TRUE(store_->claim(task.id, 5000, "worker-a").value());
  int64_t before = store_->get(task.id)->revision;
  ASSERT_TRUE(store_->record_progress(task.id, progress, 6000));
  ASSERT_TRUE(store_->record_dataset(task.id, {{"num_items", 10}}, {"cat", "dog"}));
  auto got = store_->get(task.id).value();
  EXPECT_EQ(got.progress.phase, "training");
  EXPECT_EQ(got.progress.epoch, 2);
  EXPECT_EQ(got.heartbeat_at_ms, 6000);
  EXPECT_EQ(got.dataset["num_items"], 10);
  EXPECT_EQ(got.classes, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_GT(got.revision, before);
}

TEST_P(TaskStoreContract, FinishIsFinal) {
  Task task = new_task();
  ASSERT_TRUE(store_->claim(task.id, 5000, "worker-a").value());
  Completion done{TaskStatus::kCompleted, std::nullopt, {{"val_accuracy", 0.97}}, "m.zip"};
  EXPECT_TRUE(store_->finish(task.id, done, 9000).value());
  Completion failed{TaskStatus::kFailed, "late reaper", {}, ""};
  EXPECT_FALSE(store_->finish(task.id, failed, 9500).value());
  auto got = store_->get(task.id).value();
  EXPECT_EQ(got.status, TaskStatus::kCompleted);
  EXPECT_FALSE(got.error);
  EXPECT_EQ(got.metrics["val_accuracy"], 0.97);
  EXPECT_EQ(got.model_key, "m.zip");
  EXPECT_EQ(got.finished_at_ms, 9000);
  EXPECT_EQ(got.progress.phase, "done");
}

TEST_P(TaskStoreContract, CancelQueuedEndsAtOnceCancelRunningOnlyFlags) {
  Task queued = new_task();
  auto cancelled = store_->request_cancel(queued.id, 7000);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, TaskStatus::kCancelled);
  EXPECT_EQ(cancelled->finished_at_ms, 7000);
  EXPECT_FALSE(store_->claim(queued.id, 7001, "worker-a").value());

  Task running = new_task();
  ASSERT_TRUE(store_->claim(running.id, 5000, "worker-a").value());
  auto flagged = store_->request_cancel(running.id, 7000);
  ASSERT_TRUE(flagged);
  EXPECT_EQ(flagged->status, TaskStatus::kRunning);
  EXPECT_TRUE(flagged->cancel_requested);
  EXPECT_EQ(store_->request_cancel(new_task_id(), 1).error().code, ErrorCode::kNotFound);
}

TEST_P(TaskStoreContract, StaleRunningFindsOnlyOldHeartbeats) {
  Task fresh = new_task();
  Task stale = new_task();
  Task queued = new_task();
  ASSERT_TRUE(store_->claim(fresh.id, 5000, "worker-a").value());
  ASSERT_TRUE(store_->claim(stale.id, 5000, "worker-a").value());
  ASSERT_TRUE(store_->heartbeat(fresh.id, 20000));
  auto ids = store_->stale_running(10000);
  ASSERT_TRUE(ids);
  EXPECT_EQ(*ids, std::vector<std::string>{stale.id});
  auto waiting = store_->ids_with_status(TaskStatus::kQueued);
  ASSERT_TRUE(waiting);
  EXPECT_EQ(*waiting, std::vector<std::string>{queued.id});
}

TEST_P(TaskStoreContract, ClaimRecordsTheWorker) {
  Task task = new_task();
  EXPECT_TRUE(store_->get(task.id).value().worker_id.empty());
  ASSERT_TRUE(store_->claim(task.id, 5000, "host-1-42").value());
  EXPECT_EQ(store_->get(task.id).value().worker_id, "host-1-42");
}

TEST_P(TaskStoreContract, RequeueStaleOnlyMovesARunningTaskWithAnOldHeartbeat) {
  Task task = new_task();
  Task done = new_task();
  EXPECT_FALSE(store_->requeue_stale(task.id, 10000).value());  // QUEUED: nothing to do
  ASSERT_TRUE(store_->claim(task.id, 5000, "worker-a").value());
  ASSERT_TRUE(store_->heartbeat(task.id, 12000));
  EXPECT_FALSE(store_->requeue_stale(task.id, 10000).value());  // beat after the cutoff
  EXPECT_TRUE(store_->requeue_stale(task.id, 13000).value());
  auto requeued = store_->get(task.id).value();
  EXPECT_EQ(requeued.status, TaskStatus::kQueued);
  EXPECT_EQ(requeued.attempts, 1);
  EXPECT_EQ(requeued.progress.phase, "queued");
  ASSERT_TRUE(store_->claim(task.id, 14000, "worker-b").value());
  EXPECT_EQ(store_->get(task.id).value().attempts, 2);
  ASSERT_TRUE(store_->claim(done.id, 5000, "worker-a").value());
  ASSERT_TRUE(store_->finish(done.id, Completion{}, 6000).value());
  EXPECT_FALSE(store_->requeue_stale(done.id, 99000).value());
  EXPECT_EQ(store_->get(done.id).value().status, TaskStatus::kCompleted);
}

TEST_P(TaskStoreContract, ReleaseHandsBackOnlyTheClaimingWorkersTask) {
  Task task = new_task();
  ASSERT_TRUE(store_->claim(task.id, 5000, "worker-a").value());
  EXPECT_FALSE(store_->release(task.id, "worker-b").value());
  EXPECT_EQ(store_->get(task.id).value().status, TaskStatus::kRunning);
  EXPECT_TRUE(store_->release(task.id, "worker-a").value());
  auto released = store_->get(task.id).value();
  EXPECT_EQ(released.status, TaskStatus::kQueued);
  EXPECT_EQ(released.attempts, 0);  // handing back is not a failed attempt
  EXPECT_FALSE(store_->release(task.id, "worker-a").value());
}

TEST_P(TaskStoreContract, RemoveDeletesOnlyThatTask) {
  Task keep = new_task();
  Task gone = new_task();
  ASSERT_TRUE(store_->remove(gone.id));
  EXPECT_EQ(store_->get(gone.id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(store_->get(keep.id));
}

TEST_P(TaskStoreContract, FinishRecordsTheBundleSizeAndSha256) {
  Task task = new_task();
  ASSERT_TRUE(store_->claim(task.id, 5000, "worker-a").value());
  Completion done{TaskStatus::kCompleted, std::nullopt, {}, "m.zip"};
  done.model_size = 5'000'000'000;  // beyond 32 bits
  done.model_sha256 = std::string(64, 'a');
  ASSERT_TRUE(store_->finish(task.id, done, 9000).value());
  auto got = store_->get(task.id).value();
  EXPECT_EQ(got.model_size, 5'000'000'000);
  EXPECT_EQ(got.model_sha256, std::string(64, 'a'));
  Task other = new_task();
  EXPECT_EQ(store_->get(other.id)->model_size, 0);
  EXPECT_EQ(store_->get(other.id)->model_sha256, "");
}

TEST_P(TaskStoreContract, IdempotencyKeyIsUniqueWhereSetAndFindsItsTask) {
  Task first;
  first.id = new_task_id();
  first.created_at_ms = 1000;
  first.idempotency_key = "key-1";
  first.idempotency_fingerprint = "fp-1";
  ASSERT_TRUE(store_->insert(first));
  auto found = store_->find_by_idempotency_key("key-1");
  ASSERT_TRUE(found) << found.error().message;
  EXPECT_EQ(found->id, first.id);
  EXPECT_EQ(found->idempotency_key, "key-1");
  EXPECT_EQ(found->idempotency_fingerprint, "fp-1");
  EXPECT_EQ(store_->find_by_idempotency_key("key-2").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->find_by_idempotency_key("").error().code, ErrorCode::kNotFound);

  Task second = first;
  second.id = new_task_id();
  auto taken = store_->insert(second);
  ASSERT_FALSE(taken);
  EXPECT_EQ(taken.error().code, ErrorCode::kConflict);
  EXPECT_EQ(taken.error().slug, "idempotency_key_taken");
  EXPECT_EQ(store_->get(second.id).error().code, ErrorCode::kNotFound);
  // Tasks without a key never conflict with each other.
  new_task();
  new_task();
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 3);
}

TEST_P(TaskStoreContract, ReleaseIdempotencyKeyFreesItOnlyFromAnOlderTask) {
  Task first;
  first.id = new_task_id();
  first.created_at_ms = 1000;
  first.idempotency_key = "day-old";
  ASSERT_TRUE(store_->insert(first));
  EXPECT_FALSE(store_->release_idempotency_key("day-old", 1000).value()) << "not older";
  EXPECT_FALSE(store_->release_idempotency_key("other", 5000).value());
  EXPECT_TRUE(store_->find_by_idempotency_key("day-old"));
  EXPECT_TRUE(store_->release_idempotency_key("day-old", 1001).value());
  EXPECT_EQ(store_->find_by_idempotency_key("day-old").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->get(first.id)->idempotency_key, "") << "the task itself stays";
  Task second = first;
  second.id = new_task_id();
  second.created_at_ms = 2000;
  ASSERT_TRUE(store_->insert(second));
  EXPECT_EQ(store_->find_by_idempotency_key("day-old")->id, second.id);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, TaskStoreContract, ::testing::ValuesIn(kStoreFactories),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(SqliteTaskStore, SurvivesReopenAndKeepsSchemaVersion) {
  TempDir scratch(std::filesystem::temp_directory_path(), "store-reopen");
  std::string url = "sqlite://" + (scratch.path() / "t.db").string();
  std::string id;
  {
    auto store = open_task_store(url).value();
    Task task;
    task.id = id = new_task_id();
    task.created_at_ms = 1;
    ASSERT_TRUE(store->insert(task));
  }
  auto reopened = open_task_store(url);
  ASSERT_TRUE(reopened);
  EXPECT_TRUE((*reopened)->get(id));
}

TEST(OpenTaskStore, RefusesUnknownUrls) {
  auto opened = open_task_store("mysql://x");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().slug, "invalid_database_url");
}

}  // namespace
}  // namespace trainbox::db
