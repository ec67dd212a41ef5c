// TrainRequest::limits reach both pipelines through ml::train: each tightened limit refuses a
// dataset that the defaults accept, with the slug and a message naming the limit. All of these
// fail while reading, before any training.

#include <gtest/gtest.h>

#include <fstream>

#include "ml/api.h"
#include "ml/testing/image_fixtures.h"

namespace trainbox::ml {
namespace {

namespace fs = std::filesystem;

class DatasetLimitsTest : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("limits_" + std::to_string(::getpid()));
  void SetUp() override {
    fs::create_directories(dir_);
    testing::write_zip(dir_ / "shapes.zip", testing::shape_files(2, 4, 32));
  }
  void TearDown() override { fs::remove_all(dir_); }

  Result<TrainResult> train_with(const fs::path& dataset, const DatasetLimits& limits,
                                 TaskKind kind = TaskKind::kImage) {
    TrainRequest request;
    request.kind = kind;
    request.dataset = dataset;
    request.work_dir = dir_ / "work";
    request.bundle_path = dir_ / "bundle.zip";
    request.options.epochs = 1;
    request.limits = limits;
    return train(request, {});
  }

  // The refusal's slug, after checking its code and that its message names `limit`.
  std::string refusal(const Result<TrainResult>& result, const std::string& limit) {
    if (result) return "ok";
    EXPECT_EQ(result.error().code, ErrorCode::kPayloadTooLarge) << result.error().message;
    EXPECT_NE(result.error().message.find(limit), std::string::npos) << result.error().message;
    return result.error().slug;
  }
};

TEST_F(DatasetLimitsTest, ImageArchiveLimitsComeFromTheRequest) {
  DatasetLimits limits;
  limits.max_entries = 5;
  EXPECT_EQ(refusal(train_with(dir_ / "shapes.zip", limits), "limit is 5"),
            "archive_too_many_entries");
  limits = {};
  limits.max_entry_bytes = 100;
  EXPECT_EQ(refusal(train_with(dir_ / "shapes.zip", limits), "limit is 100"),
            "archive_entry_too_large");
  limits = {};
  limits.max_archive_bytes = 2000;
  EXPECT_EQ(refusal(train_with(dir_ / "shapes.zip", limits), "limit is 2000"), "archive_too_large");
}

TEST_F(DatasetLimitsTest, ImagePixelLimitComesFromTheRequest) {
  DatasetLimits limits;
  limits.max_image_pixels = 1000;  // the images are 32x32 = 1024 pixels
  EXPECT_EQ(refusal(train_with(dir_ / "shapes.zip", limits), "1000"), "image_too_large");
}

TEST_F(DatasetLimitsTest, ImageFolderHonoursEntryAndSizeLimits) {
  for (const auto& [name, bytes] : testing::shape_files(2, 4, 32)) {
    fs::create_directories((dir_ / "folder" / name).parent_path());
    std::ofstream(dir_ / "folder" / name, std::ios::binary) << bytes;
  }
  DatasetLimits limits;
  limits.max_entries = 7;
  EXPECT_EQ(refusal(train_with(dir_ / "folder", limits), "limit is 7"), "archive_too_many_entries");
  limits = {};
  limits.max_archive_bytes = 2000;
  EXPECT_EQ(refusal(train_with(dir_ / "folder", limits), "limit is 2000"), "archive_too_large");
}

TEST_F(DatasetLimitsTest, TextCsvSizeLimitIsTheArchiveLimitWhenSmaller) {
  {
    std::ofstream csv(dir_ / "data.csv", std::ios::binary);
    csv << "text,label\n";
    for (int i = 0; i < 40; ++i)
      csv << "some words number " << i << "," << (i % 2 ? "a" : "b") << "\n";
  }
  DatasetLimits limits;
  limits.max_archive_bytes = 300;
  EXPECT_EQ(refusal(train_with(dir_ / "data.csv", limits, TaskKind::kText), "limit is 300"),
            "csv_too_large");
}

}  // namespace
}  // namespace trainbox::ml
