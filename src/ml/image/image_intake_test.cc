// Dataset intake through train_image: every refusal with a crafted archive, skipped files and
// warnings, and cancellation. These fail or stop before (or right at the start of) training.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zip.h>

#include <fstream>

#include "ml/image/image_trainer.h"
#include "ml/testing/image_fixtures.h"

namespace trainbox::ml::image {
namespace {

namespace fs = std::filesystem;

class ImageIntakeTest : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("intake_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }

  Result<TrainResult> train_zip(const testing::Files& files, TrainHooks hooks = {}) {
    testing::write_zip(dir_ / "data.zip", files);
    return train_zip_file(dir_ / "data.zip", hooks);
  }

  Result<TrainResult> train_zip_file(const fs::path& zip, const TrainHooks& hooks = {}) {
    TrainRequest request;
    request.dataset = zip;
    request.work_dir = dir_ / "work";
    request.bundle_path = dir_ / "bundle.zip";
    request.options.epochs = 1;
    request.options.time_budget_s = 30;
    return train_image(request, hooks);
  }

  std::string slug(const Result<TrainResult>& result) {
    return result ? "ok" : result.error().slug;
  }
};

TEST_F(ImageIntakeTest, RefusesFewerThanTwoClasses) {
  EXPECT_EQ(slug(train_zip(testing::shape_files(1, 4, 32))), "dataset_too_few_classes");
}

TEST_F(ImageIntakeTest, RefusesClassWithOneUsableImage) {
  auto files = testing::shape_files(2, 4, 32);
  files.erase(std::remove_if(files.begin(), files.end(),
                             [](const auto& f) { return f.first.rfind("square/", 0) == 0; }),
              files.end());
  files.push_back({"square/good.png", testing::shape_files(2, 1, 32)[1].second});
  files.push_back({"square/broken.png", "\x89PNG\r\n\x1A\nnot really"});
  auto result = train_zip(files);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().slug, "dataset_class_too_small");
  EXPECT_NE(result.error().message.find("square"), std::string::npos);
}

TEST_F(ImageIntakeTest, RefusesTraversalAndWritesNothingOutsideWorkDir) {
  auto files = testing::shape_files(2, 4, 32);
  files.push_back({"../escaped.png", files[0].second});
  auto result = train_zip(files);
  EXPECT_EQ(slug(result), "archive_path_traversal");
  EXPECT_FALSE(fs::exists(dir_.parent_path() / "escaped.png"));
  EXPECT_FALSE(fs::exists(dir_ / "escaped.png"));
  EXPECT_FALSE(fs::exists(dir_ / "bundle.zip"));
}

TEST_F(ImageIntakeTest, RefusesBackslashTraversal) {
  auto files = testing::shape_files(2, 4, 32);
  files.push_back({"circle\\..\\..\\escaped.png", files[0].second});
  EXPECT_EQ(slug(train_zip(files)), "archive_path_traversal");
}

TEST_F(ImageIntakeTest, RefusesSymlinkEntry) {
  auto files = testing::shape_files(2, 4, 32);
  testing::write_zip(dir_ / "data.zip", files);
  int error = 0;
  zip_t* archive = zip_open((dir_ / "data.zip").c_str(), 0, &error);
  std::string target = "/etc/passwd";
  auto index = zip_file_add(archive, "circle/link.png",
                            zip_source_buffer(archive, target.data(), target.size(), 0), 0);
  zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, (S_IFLNK | 0777) << 16);
  zip_close(archive);
  EXPECT_EQ(slug(train_zip_file(dir_ / "data.zip")), "archive_symlink");
}

TEST_F(ImageIntakeTest, RefusesZipBomb) {
  auto files = testing::shape_files(2, 4, 32);
  files.push_back({"circle/zeros.png", std::string(16 << 20, '\0')});
  auto result = train_zip(files);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(result.error().slug, "archive_ratio_exceeded");
}

TEST_F(ImageIntakeTest, RefusesDecompressionBombImage) {
  auto files = testing::shape_files(2, 4, 32);
  std::string bmp(54, '\0');
  bmp[0] = 'B', bmp[1] = 'M', bmp[10] = 54, bmp[14] = 40, bmp[26] = 1, bmp[28] = 24;
  uint32_t side = 10000;  // 10000 x 10000 = 100 Mpx > 40 Mpx
  for (int i = 0; i < 4; ++i) bmp[18 + i] = bmp[22 + i] = static_cast<char>(side >> (8 * i));
  files.push_back({"circle/huge.bmp", bmp});
  auto result = train_zip(files);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_EQ(result.error().slug, "image_too_large");
}

TEST_F(ImageIntakeTest, SkipsCorruptFilesAndReportsWarnings) {
  auto files = testing::shape_files(2, 6, 32, "top/");
  files.push_back({"top/circle/broken.jpg", "\xFF\xD8\xFF garbage"});
  files.push_back({"top/circle/copy.png", files[0].second});
  files.push_back({"__MACOSX/top/circle/._x.png", "junk"});
  files.push_back({"top/square/.DS_Store", "junk"});
  DatasetSummary summary;
  TrainHooks hooks;
  hooks.dataset_ready = [&](const DatasetSummary& s) { summary = s; };
  auto result = train_zip(files, hooks);
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(summary.num_items, 13);
  EXPECT_EQ(summary.class_counts["circle"], 7);
  std::string warnings;
  for (const auto& w : summary.warnings) warnings += w + "\n";
  EXPECT_NE(warnings.find("broken.jpg"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("duplicate"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("only 6 images"), std::string::npos) << warnings;
  EXPECT_TRUE(fs::exists(dir_ / "bundle.zip"));
}

TEST_F(ImageIntakeTest, CancelStopsWithCancelled) {
  TrainHooks hooks;
  hooks.should_stop = [] { return true; };
  auto result = train_zip(testing::shape_files(2, 20, 32), hooks);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kCancelled);
}

}  // namespace
}  // namespace trainbox::ml::image
