#include "service/task_service.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <functional>
#include <thread>

#include "ml/bundle/bundle.h"
#include "service/task_service_fixture.h"
#include "util/fs.h"
#include "util/sha256.h"

namespace trainbox::service {
namespace {

namespace fsys = std::filesystem;
using core::TaskStatus;

TEST_F(TaskServiceTest, CreateStoresBlobRowAndQueuesTheTask) {
  core::Task task = create_zip_task();
  EXPECT_EQ(task.status, TaskStatus::kQueued);
  EXPECT_EQ(task.kind, core::TaskKind::kImage);
  EXPECT_TRUE(blobs_->exists(dataset_key(task.id, task.kind)).value());
  EXPECT_EQ(service_->get(kAnyone, task.id)->dataset_name, "shapes.zip");
  EXPECT_EQ(queue_->pop(std::chrono::milliseconds(10)).value().value_or(""), task.id);
}

TEST_F(TaskServiceTest, CsvBecomesATextTask) {
  auto task = service_->create(kAnyone, upload("text,label\nhello,a\n", "reviews.csv"));
  ASSERT_TRUE(task);
  EXPECT_EQ(task->kind, core::TaskKind::kText);
}

TEST_F(TaskServiceTest, RefusesContentThatContradictsItsName) {
  auto zip_named_csv = service_->create(kAnyone, upload(std::string("PK\x03\x04", 4), "data.csv"));
  ASSERT_FALSE(zip_named_csv);
  EXPECT_EQ(zip_named_csv.error().code, ErrorCode::kUnsupportedMediaType);
  auto csv_named_zip = service_->create(kAnyone, upload("text,label\n", "data.zip"));
  ASSERT_FALSE(csv_named_zip);
  EXPECT_EQ(csv_named_zip.error().code, ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 0);
  EXPECT_TRUE(blobs_->list("").value().empty());
}

TEST_F(TaskServiceTest, RefusesBadOptionsAndKind) {
  NewTask bad_options = upload(std::string("PK\x03\x04", 4), "a.zip");
  bad_options.options_text = R"({"epochs": 100000})";
  auto refused = service_->create(kAnyone, bad_options);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().slug, "invalid_option");

  NewTask not_json = upload(std::string("PK\x03\x04", 4), "a.zip");
  not_json.options_text = "{epochs";
  EXPECT_EQ(service_->create(kAnyone, not_json).error().slug, "invalid_options");

  // A model the dataset's kind cannot train is refused at upload, not after the 202.
  NewTask image_model_for_text = upload("text,label\nhello,a\n", "t.csv");
  image_model_for_text.options_text = R"({"backbone": "tiny_cnn"})";
  auto text_refused = service_->create(kAnyone, image_model_for_text);
  ASSERT_FALSE(text_refused);
  EXPECT_EQ(text_refused.error().slug, "invalid_option");
  EXPECT_NE(text_refused.error().message.find("tfidf_linear"), std::string::npos);
  NewTask text_model_for_images = upload(std::string("PK\x03\x04", 4), "a.zip");
  text_model_for_images.options_text = R"({"backbone": "tfidf_linear"})";
  EXPECT_EQ(service_->create(kAnyone, text_model_for_images).error().slug, "invalid_option");

  NewTask wrong_kind = upload(std::string("PK\x03\x04", 4), "a.zip");
  wrong_kind.kind = "text";
  EXPECT_EQ(service_->create(kAnyone, wrong_kind).error().code, ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 0);
}

TEST_F(TaskServiceTest, StoresOnlyValidatedOptions) {
  NewTask request = upload(std::string("PK\x03\x04", 4), "a.zip");
  request.options_text = R"({"epochs": 4, "status": "COMPLETED", "owner_id": 7})";
  auto task = service_->create(kAnyone, request);
  ASSERT_TRUE(task);
  EXPECT_EQ(task->options["epochs"], 4);
  EXPECT_FALSE(task->options.contains("status"));
  EXPECT_FALSE(task->options.contains("owner_id"));
}

TEST_F(TaskServiceTest, CancelQueuedEndsAtOnceAndTwiceIsAConflict) {
  core::Task task = create_zip_task();
  auto cancelled = service_->cancel(kAnyone, task.id);
  ASSERT_TRUE(cancelled);
  EXPECT_EQ(cancelled->status, TaskStatus::kCancelled);
  EXPECT_EQ(service_->cancel(kAnyone, task.id).error().code, ErrorCode::kConflict);
}

TEST_F(TaskServiceTest, RunningTaskSeesCancelAndDeletion) {
  core::Task task = create_zip_task();
  ASSERT_TRUE(service_->claim(task.id).value());
  EXPECT_FALSE(service_->should_stop(task.id));
  ASSERT_TRUE(service_->cancel(kAnyone, task.id));
  EXPECT_TRUE(service_->should_stop(task.id));
  core::Task other = create_zip_task();
  ASSERT_TRUE(service_->claim(other.id).value());
  ASSERT_TRUE(service_->remove(kAnyone, other.id));
  EXPECT_TRUE(service_->should_stop(other.id));
}

TEST_F(TaskServiceTest, RemoveDeletesRowAndBlobsButNothingElse) {
  core::Task gone = create_zip_task();
  core::Task kept = create_zip_task();
  ASSERT_TRUE(service_->remove(kAnyone, gone.id));
  EXPECT_EQ(service_->get(kAnyone, gone.id).error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(blobs_->list(task_prefix(gone.id)).value().empty());
  EXPECT_FALSE(blobs_->list(task_prefix(kept.id)).value().empty());
  EXPECT_TRUE(service_->get(kAnyone, kept.id));
}

TEST_F(TaskServiceTest, ReaperQueuesAgainOnlyTasksWhoseHeartbeatStopped) {
  core::Task dead = create_zip_task();
  core::Task alive = create_zip_task();
  while (queue_->pop(std::chrono::milliseconds(1)).value()) {
  }
  ASSERT_TRUE(service_->claim(dead.id).value());
  ASSERT_TRUE(service_->claim(alive.id).value());
  EXPECT_EQ(service_->get(kAnyone, dead.id)->worker_id, "worker-test");
  clock_.advance_ms(20'000);
  ASSERT_TRUE(service_->heartbeat(alive.id));
  clock_.advance_ms(20'000);
  EXPECT_EQ(service_->reap_stale().value(), 1);
  auto requeued = service_->get(kAnyone, dead.id).value();
  EXPECT_EQ(requeued.status, TaskStatus::kQueued);
  EXPECT_EQ(queue_->pop(std::chrono::milliseconds(1)).value().value_or(""), dead.id);
  EXPECT_EQ(service_->get(kAnyone, alive.id)->status, TaskStatus::kRunning);
}

TEST_F(TaskServiceTest, ReaperFailsATaskOnceItsAttemptsAreUsed) {
  core::Task task = create_zip_task();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    ASSERT_TRUE(service_->claim(task.id).value());
    clock_.advance_ms(40'000);
    EXPECT_EQ(service_->reap_stale().value(), 1);
  }
  auto failed = service_->get(kAnyone, task.id).value();
  EXPECT_EQ(failed.status, TaskStatus::kFailed);
  EXPECT_EQ(failed.attempts, 2);
  EXPECT_NE(failed.error.value_or("").find("interrupted"), std::string::npos);
  EXPECT_NE(failed.error.value_or("").find("2 of 2 attempts"), std::string::npos)
      << failed.error.value_or("");
  EXPECT_NE(failed.error.value_or("").find("worker-test"), std::string::npos);
}

TEST_F(TaskServiceTest, ReaperEndsACancelledTaskInsteadOfQueueingIt) {
  core::Task task = create_zip_task();
  ASSERT_TRUE(service_->claim(task.id).value());
  ASSERT_TRUE(service_->cancel(kAnyone, task.id));
  clock_.advance_ms(40'000);
  EXPECT_EQ(service_->reap_stale().value(), 1);
  EXPECT_EQ(service_->get(kAnyone, task.id)->status, TaskStatus::kCancelled);
}

TEST_F(TaskServiceTest, HandBackQueuesTheTaskWithoutCountingTheAttempt) {
  core::Task task = create_zip_task();
  while (queue_->pop(std::chrono::milliseconds(1)).value()) {
  }
  ASSERT_TRUE(service_->claim(task.id).value());
  ASSERT_TRUE(service_->hand_back(task.id));
  auto back = service_->get(kAnyone, task.id).value();
  EXPECT_EQ(back.status, TaskStatus::kQueued);
  EXPECT_EQ(back.attempts, 0);
  EXPECT_EQ(queue_->pop(std::chrono::milliseconds(1)).value().value_or(""), task.id);
}

TEST_F(TaskServiceTest, RequeueHandsOutEveryQueuedTaskAgain) {
  core::Task first = create_zip_task();
  core::Task second = create_zip_task();
  while (queue_->pop(std::chrono::milliseconds(1)).value()) {
  }
  EXPECT_EQ(service_->requeue_queued().value(), 2);
  EXPECT_EQ(queue_->size().value(), 2u);
}

TEST_F(TaskServiceTest, ModelAndPredictNeedACompletedTaskOfTheRightKind) {
  core::Task task = create_zip_task();
  EXPECT_EQ(service_->model_bundle(kAnyone, task.id).error().slug, "task_not_completed");
  EXPECT_EQ(service_->predict_images(kAnyone, task.id, {"x"}, 3).error().slug,
            "task_not_completed");
  // The task is checked before the inputs, so another user's id is a 404 whatever is sent.
  EXPECT_EQ(service_->predict_images(kAnyone, task.id, {}, 3).error().slug, "task_not_completed");
}

TEST_F(TaskServiceTest, ValidationItemsComeFromTheBundleOfACompletedTask) {
  // A bundle as train() writes it (the model file's bytes do not matter here), with and without
  // validation.json.
  auto complete_with = [&](const nlohmann::json& validation) {
    core::Task task = create_zip_task();
    EXPECT_EQ(queue_->pop(std::chrono::milliseconds(10)).value().value_or(""), task.id);
    EXPECT_TRUE(service_->claim(task.id).value());
    ml::BundleContents contents;
    contents.model_pt = scratch_.path() / "model.pt";
    EXPECT_TRUE(write_file_atomic(contents.model_pt, "not really torchscript"));
    contents.classes = ml::class_map_json({"cat", "dog"});
    contents.preprocess = {{"kind", "image"}};
    contents.metrics = {{"confusion_matrix", {{1, 0}, {0, 1}}}};
    contents.readme = "# model";
    contents.validation = validation;
    fsys::path zip = scratch_.path() / (task.id + ".zip");
    EXPECT_TRUE(ml::write_bundle(contents, zip));
    EXPECT_TRUE(service_->complete(task.id, zip, contents.metrics));
    return task;
  };
  nlohmann::json validation = {
      {"kind", "image"},
      {"classes", {"cat", "dog"}},
      {"items",
       {{{"index", 0}, {"label", 0}, {"predicted", 0}, {"score", 0.9}, {"name", "cat/1.png"}},
        {{"index", 1}, {"label", 1}, {"predicted", 1}, {"score", 0.8}, {"name", "dog/<b>.png"}}}},
      {"truncated", false}};
  core::Task with = complete_with(validation);
  auto text = service_->validation_items(kAnyone, with.id);
  ASSERT_TRUE(text) << text.error().message;
  EXPECT_EQ(nlohmann::json::parse(*text), validation);
  EXPECT_TRUE(fsys::is_empty(scratch_.path() / "validation"));  // nothing left behind

  core::Task without = complete_with(nullptr);
  auto missing = service_->validation_items(kAnyone, without.id);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(missing.error().slug, "validation_unavailable");

  core::Task queued = create_zip_task();
  EXPECT_EQ(service_->validation_items(kAnyone, queued.id).error().slug, "task_not_completed");
  EXPECT_EQ(service_->validation_items(kAnyone, "0123456789abcdef0123456789abcdef").error().code,
            ErrorCode::kNotFound);
}

// The error of a result expected to fail (an empty Error if it succeeded).
template <class T>
Error error_of(const Result<T>& result) {
  return result ? Error{} : result.error();
}

// A text task trained for real (tfidf_linear on a tiny CSV, a few seconds) and COMPLETED.
core::Task complete_text_task(TaskService& service, queue::JobQueue& queue, const fsys::path& dir,
                              const std::function<NewTask(std::string, std::string)>& upload) {
  std::string csv = "text,label\n";
  for (int i = 0; i < 20; ++i) {
    csv += fmt::format("goal match striker league {},sports\n", i);
    csv += fmt::format("oven pasta garlic recipe {},food\n", i);
  }
  fsys::path csv_path = dir / "train.csv";
  EXPECT_TRUE(write_file_atomic(csv_path, csv));
  auto task = service.create(kAnyone, upload(csv, "reviews.csv"));
  EXPECT_TRUE(task) << task.error().message;
  EXPECT_EQ(queue.pop(std::chrono::milliseconds(10)).value().value_or(""), task->id);
  EXPECT_TRUE(service.claim(task->id).value());
  ml::TrainRequest request;
  request.kind = ml::TaskKind::kText;
  request.dataset = csv_path;
  request.options.backbone = "tfidf_linear";
  request.options.time_budget_s = 30;
  request.work_dir = dir / "train-work";
  request.bundle_path = dir / "bundle.zip";
  request.threads = 1;
  auto trained = ml::train(request, {});
  EXPECT_TRUE(trained) << trained.error().message;
  EXPECT_TRUE(service.complete(task->id, request.bundle_path, trained->metrics));
  return service.get(kAnyone, task->id).value();
}

TEST_F(TaskServiceTest, ConcurrentFirstPredictsOnAFreshTaskAllSucceed) {
  core::Task task = complete_text_task(*service_, *queue_, scratch_.path(),
                                       [&](std::string c, std::string f) { return upload(c, f); });
  ASSERT_EQ(task.status, TaskStatus::kCompleted);
  std::vector<Result<std::vector<ml::Prediction>>> got(12);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t) {
    threads.emplace_back([&, t] {
      got[t] = service_->predict_texts(kAnyone, task.id, {"a late goal by the striker"}, 2);
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& one : got) {
    ASSERT_TRUE(one) << one.error().slug << ": " << one.error().message;
    ASSERT_EQ(one->size(), 1u);
    EXPECT_EQ(one->front().label, "sports");
  }
  EXPECT_TRUE(fsys::is_empty(scratch_.path() / "predictors")) << "each load cleans up after it";
}

TEST_F(TaskServiceTest, CompletionRecordsTheBundleAndADamagedBundleIsNeverServed) {
  core::Task task = create_zip_task();
  EXPECT_EQ(queue_->pop(std::chrono::milliseconds(10)).value().value_or(""), task.id);
  ASSERT_TRUE(service_->claim(task.id).value());
  fsys::path zip = scratch_.path() / "bundle.zip";
  std::string bundle(10'000, 'b');
  ASSERT_TRUE(write_file_atomic(zip, bundle));
  ASSERT_TRUE(service_->complete(task.id, zip, nlohmann::json::object()));
  core::Task done = service_->get(kAnyone, task.id).value();
  EXPECT_EQ(done.model_size, 10'000);
  EXPECT_EQ(done.model_sha256, sha256_hex_of(bundle));
  EXPECT_EQ(service_->model_bundle(kAnyone, task.id).value_or(""), bundle);

  ASSERT_TRUE(blobs_->put_bytes(done.model_key, bundle.substr(0, 100)));  // truncated
  for (const auto& error : {error_of(service_->model_bundle(kAnyone, task.id)),
                            error_of(service_->predict_images(kAnyone, task.id, {"x"}, 1)),
                            error_of(service_->validation_items(kAnyone, task.id))}) {
    EXPECT_EQ(error.code, ErrorCode::kConflict);
    EXPECT_EQ(error.slug, "model_artifact_unavailable");
    EXPECT_NE(error.message.find("100 bytes instead of 10000"), std::string::npos) << error.message;
  }
  std::string altered = bundle;
  altered[5000] = 'X';  // same size, other bytes
  ASSERT_TRUE(blobs_->put_bytes(done.model_key, altered));
  for (const auto& error : {error_of(service_->model_bundle(kAnyone, task.id)),
                            error_of(service_->predict_images(kAnyone, task.id, {"x"}, 1))}) {
    EXPECT_EQ(error.slug, "model_artifact_unavailable");
    EXPECT_NE(error.message.find("SHA-256"), std::string::npos) << error.message;
  }
}

TEST_F(TaskServiceTest, IdempotencyKeyReturnsTheFirstTaskForTheSameRequestOnly) {
  std::string zip("PK\x03\x04rest", 8);
  NewTask first = upload(zip, "shapes.zip");
  first.idempotency_key = "retry-1";
  auto created = service_->create(kAnyone, first);
  ASSERT_TRUE(created) << created.error().message;
  NewTask again = upload(zip, "shapes.zip");
  again.idempotency_key = "retry-1";
  auto replayed = service_->create(kAnyone, again);
  ASSERT_TRUE(replayed) << replayed.error().message;
  EXPECT_EQ(replayed->id, created->id);
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 1);

  NewTask other = upload(zip, "shapes.zip");
  other.idempotency_key = "retry-1";
  other.options_text = R"({"epochs": 3})";
  auto reused = service_->create(kAnyone, other);
  ASSERT_FALSE(reused);
  EXPECT_EQ(reused.error().slug, "idempotency_key_reused");

  NewTask bad = upload(zip, "shapes.zip");
  bad.idempotency_key = std::string(300, 'k');
  EXPECT_EQ(service_->create(kAnyone, bad).error().slug, "invalid_idempotency_key");
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 1);

  clock_.advance_ms(service_->config().idempotency_window_ms + 1);  // a day later: a new task
  NewTask later = upload(zip, "shapes.zip");
  later.idempotency_key = "retry-1";
  auto fresh = service_->create(kAnyone, later);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_NE(fresh->id, created->id);
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 2);
}

TEST_F(TaskServiceTest, ConcurrentCreatesWithOneKeyMakeOneTask) {
  std::string zip("PK\x03\x04rest", 8);
  std::vector<NewTask> requests;
  for (int i = 0; i < 8; ++i) {
    requests.push_back(upload(zip, "shapes.zip"));
    requests.back().idempotency_key = "same";
  }
  std::vector<Result<core::Task>> got(requests.size());
  std::vector<std::thread> threads;
  for (size_t i = 0; i < requests.size(); ++i) {
    threads.emplace_back([&, i] { got[i] = service_->create(kAnyone, requests[i]); });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& one : got) {
    ASSERT_TRUE(one) << one.error().message;
    EXPECT_EQ(one->id, got[0]->id);
  }
  EXPECT_EQ(store_->list(10, 0, std::nullopt)->total, 1);
  EXPECT_EQ(blobs_->list("tasks/")->size(), 1u) << "the losers' dataset blobs are removed";
}

TEST_F(TaskServiceTest, InvalidIdsAreNotFoundWithoutTouchingTheStore) {
  for (const char* id : {"../../etc/passwd", "%2e%2e%2f", "x", ""}) {
    EXPECT_EQ(service_->get(kAnyone, id).error().code, ErrorCode::kNotFound) << id;
  }
}

}  // namespace
}  // namespace trainbox::service
