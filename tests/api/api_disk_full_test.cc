// F10 of RELIABILITY.md for real: the data dir on a small tmpfs filled by the test (the database
// elsewhere, as a deployment keeps it). An upload that does not fit is 507 with nothing stored; a
// training that runs out of space ends FAILED "disk full" without a bundle; once space is freed
// the same upload trains to COMPLETED. Mounting a tmpfs needs root (CI runs as root): without it
// the test fails, it is never skipped.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "bench/sentences.h"
#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {

class ApiDiskFullTest : public ApiTest {
 protected:
  void SetUp() override {
    data_ = scratch_.path() / "data";
    std::filesystem::create_directories(data_);
    mounted_ = ::mount("tmpfs", data_.c_str(), "tmpfs", 0, "size=40m") == 0;
    ASSERT_TRUE(mounted_) << "mounting a tmpfs failed (" << std::strerror(errno)
                          << "): this test needs root";
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (mounted_) ::umount2(data_.c_str(), MNT_DETACH);
  }
  // Leaves about `keep_kb` KiB free on the tmpfs (a filler file takes the rest).
  void fill_leaving(uint64_t keep_kb) {
    std::filesystem::remove(data_ / "filler");
    uint64_t available = available_bytes(data_).value();
    int fd = ::open((data_ / "filler").c_str(), O_CREAT | O_WRONLY, 0600);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(available - keep_kb * 1024)), 0);
    ::close(fd);
  }
  std::filesystem::path data_;
  bool mounted_ = false;
};

TEST_F(ApiDiskFullTest, FullDiskIs507AtUploadDiskFullInTrainingAndRecoversOnceFreed) {
  auto db = scratch_.path() / "db" / "trainbox.db";
  start_server({"--database-url", "sqlite://" + db.string()});
  std::string csv = bench::sentences_csv(2, 250);
  ASSERT_GT(csv.size(), 20'000u);
  ASSERT_LT(csv.size(), 100'000u);

  fill_leaving(8);
  expect_error(create_task(*client_, "topics.csv", csv), 507, "disk_full");
  EXPECT_EQ(nlohmann::json::parse(client_->Get("/api/v1/tasks")->body)["total"], 0)
      << "nothing is stored for a refused upload";

  // Room for the upload and its stored copy, not for the training's copy and its model files.
  fill_leaving(2 * csv.size() / 1024 + 8);
  auto accepted = create_task(*client_, "topics.csv", csv);
  ASSERT_TRUE(accepted);
  ASSERT_EQ(accepted->status, 202) << accepted->body;
  std::string id = nlohmann::json::parse(accepted->body).value("id", "");
  auto failed = wait_status(id, "FAILED", 180);
  EXPECT_EQ(failed.value("status", ""), "FAILED") << failed.dump();
  EXPECT_TRUE(failed.value("error", "").starts_with("disk full")) << failed.dump();
  EXPECT_FALSE(std::filesystem::exists(data_ / "blobs" / "tasks" / id / "model.zip"))
      << "no half-written bundle";
  expect_error(client_->Get("/api/v1/tasks/" + id + "/model"), 409, "task_not_completed");

  std::filesystem::remove(data_ / "filler");
  auto again = create_task(*client_, "topics.csv", csv);
  ASSERT_TRUE(again);
  ASSERT_EQ(again->status, 202) << again->body;
  std::string second = nlohmann::json::parse(again->body).value("id", "");
  EXPECT_EQ(wait_status(second, "COMPLETED", 180).value("status", ""), "COMPLETED");
  EXPECT_EQ(client_->Get("/api/v1/health")->status, 200);
}

}  // namespace
}  // namespace trainbox::testing
