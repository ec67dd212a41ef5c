#pragma once
// The fixture of the TaskService suites: a service on an in-memory SQLite store, memory blobs, a
// local queue and a FakeClock, plus uploads written to a scratch folder.

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "queue/local_job_queue.h"
#include "service/task_service.h"
#include "storage/memory_blob_store.h"
#include "util/fs.h"

namespace trainbox::service {

// Suites about the jobs, not accounts, make every call as the unrestricted caller.
inline const Caller kAnyone = unrestricted_caller();

class TaskServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { start(ServiceConfig{}); }
  void start(ServiceConfig config) {
    store_ = db::open_task_store("sqlite://:memory:").value();
    blobs_ = storage::make_memory_blob_store();
    queue_ = queue::make_local_job_queue();
    config.scratch_dir = scratch_.path();
    config.lease_timeout_ms = 30'000;
    config.max_attempts = 2;
    config.worker_id = "worker-test";
    service_ = std::make_unique<TaskService>(*store_, *blobs_, *queue_, clock_, config);
  }
  NewTask upload(std::string content, std::string filename) {
    std::filesystem::path path = scratch_.path() / ("upload-" + std::to_string(uploads_++));
    EXPECT_TRUE(write_file_atomic(path, content));
    return NewTask{path, std::move(filename), std::nullopt, std::nullopt};
  }
  core::Task create_zip_task(const Caller& caller = kAnyone) {
    auto task = service_->create(caller, upload(std::string("PK\x03\x04rest", 8), "shapes.zip"));
    EXPECT_TRUE(task) << task.error().message;
    return *task;
  }

  TempDir scratch_{std::filesystem::temp_directory_path(), "service-test"};
  FakeClock clock_;
  std::unique_ptr<db::TaskStore> store_;
  std::unique_ptr<storage::BlobStore> blobs_;
  std::unique_ptr<queue::JobQueue> queue_;
  std::unique_ptr<TaskService> service_;
  int uploads_ = 0;
};

}  // namespace trainbox::service
