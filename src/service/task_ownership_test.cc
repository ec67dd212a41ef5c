// Ownership and per-user limits of TaskService: what one user may see and do with another's
// tasks, what an admin may, and what create() refuses once a user is at a limit.

#include <gtest/gtest.h>

#include "service/task_service_fixture.h"
#include "util/fs.h"

namespace trainbox::service {
namespace {

const Caller kAlice{"alice", false};
const Caller kBob{"bob", false};
const Caller kAdmin{"root", true};

using TaskOwnershipTest = TaskServiceTest;

TEST_F(TaskOwnershipTest, CreateRecordsTheOwnerAndTheUploadSize) {
  core::Task task = create_zip_task(kAlice);
  EXPECT_EQ(task.owner, "alice");
  EXPECT_EQ(task.dataset_size, 8);
  EXPECT_EQ(store_->get(task.id)->owner, "alice");
}

TEST_F(TaskOwnershipTest, AnotherUsersTaskIsNotFoundForEveryUseCase) {
  core::Task task = create_zip_task(kAlice);
  std::vector<Error> errors = {
      service_->get(kBob, task.id).error(),
      service_->cancel(kBob, task.id).error(),
      service_->remove(kBob, task.id).error(),
      service_->model_bundle(kBob, task.id).error(),
      service_->validation_items(kBob, task.id).error(),
      service_->predict_images(kBob, task.id, {}, 1).error(),
      service_->predict_texts(kBob, task.id, {"x"}, 1).error(),
  };
  for (const auto& error : errors) {
    EXPECT_EQ(error.code, ErrorCode::kNotFound) << error.slug;
    EXPECT_EQ(error.slug, "task_not_found");
  }
  auto still = service_->get(kAlice, task.id);
  ASSERT_TRUE(still) << "nothing bob tried changed alice's task";
  EXPECT_EQ(still->status, core::TaskStatus::kQueued);
  EXPECT_FALSE(still->cancel_requested);
}

TEST_F(TaskOwnershipTest, UsersListTheirOwnTasksAndAnAdminListsAll) {
  create_zip_task(kAlice);
  create_zip_task(kBob);
  create_zip_task(kAlice);
  EXPECT_EQ(service_->list(kAlice, 10, 0)->total, 2);
  EXPECT_EQ(service_->list(kBob, 10, 0)->total, 1);
  EXPECT_EQ(service_->list(Caller{"carol", false}, 10, 0)->total, 0);
  EXPECT_EQ(service_->list(kAdmin, 10, 0)->total, 3);
}

TEST_F(TaskOwnershipTest, AnAdminActsOnAnyonesTask) {
  core::Task task = create_zip_task(kAlice);
  EXPECT_TRUE(service_->get(kAdmin, task.id));
  EXPECT_EQ(service_->cancel(kAdmin, task.id)->status, core::TaskStatus::kCancelled);
  EXPECT_TRUE(service_->remove(kAdmin, task.id));
  EXPECT_EQ(service_->get(kAlice, task.id).error().code, ErrorCode::kNotFound);
}

TEST_F(TaskOwnershipTest, PredictChecksItsInputsOnceTheTaskIsVisible) {
  core::Task task = create_zip_task(kAlice);
  ASSERT_TRUE(service_->claim(task.id).value());
  auto zip = scratch_.path() / "bundle.zip";
  ASSERT_TRUE(write_file_atomic(zip, "not a real bundle"));
  ASSERT_TRUE(service_->complete(task.id, zip, nlohmann::json::object()));
  EXPECT_EQ(service_->predict_images(kAlice, task.id, {}, 1).error().slug, "no_inputs");
  std::vector<std::string> many(65, "x");
  EXPECT_EQ(service_->predict_images(kAlice, task.id, many, 1).error().slug, "too_many_items");
  EXPECT_EQ(service_->predict_images(kBob, task.id, many, 1).error().slug, "task_not_found");
}

TEST_F(TaskOwnershipTest, ActiveTaskLimitRefusesTheNextUploadUntilOneEnds) {
  ServiceConfig config;
  config.user_limits.max_active_tasks = 2;
  start(config);
  core::Task first = create_zip_task(kAlice);
  create_zip_task(kAlice);
  auto third = service_->create(kAlice, upload(std::string("PK\x03\x04rest", 8), "x.zip"));
  ASSERT_FALSE(third);
  EXPECT_EQ(third.error().code, ErrorCode::kQuotaExceeded);
  EXPECT_EQ(third.error().slug, "too_many_active_tasks");
  EXPECT_NE(third.error().message.find("limit is 2"), std::string::npos) << third.error().message;
  EXPECT_EQ(service_->list(kAlice, 10, 0)->total, 2) << "nothing was stored";
  create_zip_task(kBob);  // limits are per user
  create_zip_task(kAdmin);
  create_zip_task(kAdmin);
  create_zip_task(kAdmin);  // admins are not limited
  ASSERT_TRUE(service_->cancel(kAlice, first.id));
  EXPECT_TRUE(service_->create(kAlice, upload(std::string("PK\x03\x04rest", 8), "x.zip")));
}

TEST_F(TaskOwnershipTest, StorageLimitCountsUploadsOfTasksStillKept) {
  ServiceConfig config;
  config.user_limits.max_stored_bytes = 20;
  start(config);
  core::Task first = create_zip_task(kAlice);  // 8 bytes
  create_zip_task(kAlice);                     // 16
  auto over = service_->create(kAlice, upload(std::string("PK\x03\x04rest", 8), "x.zip"));
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().slug, "storage_quota_exceeded");
  ASSERT_TRUE(service_->remove(kAlice, first.id));
  EXPECT_TRUE(service_->create(kAlice, upload(std::string("PK\x03\x04rest", 8), "x.zip")))
      << "deleting a task frees its bytes";
}

}  // namespace
}  // namespace trainbox::service
