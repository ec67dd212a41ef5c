#include "service/dataset_kind.h"

#include <gtest/gtest.h>

#include "util/fs.h"

namespace trainbox::service {
namespace {
namespace fsys = std::filesystem;
using core::TaskKind;

class DatasetKindTest : public ::testing::Test {
 protected:
  Result<TaskKind> detect(const std::string& content, const std::string& name,
                          std::optional<TaskKind> declared = std::nullopt) {
    fsys::path path = dir_.path() / "upload";
    EXPECT_TRUE(write_file_atomic(path, content));
    return detect_dataset_kind(path, name, declared);
  }
  TempDir dir_{fsys::temp_directory_path(), "kind-test"};
};

TEST_F(DatasetKindTest, DecidesFromContent) {
  EXPECT_EQ(detect(std::string("PK\x03\x04...", 7), "a.zip").value(), TaskKind::kImage);
  EXPECT_EQ(detect("text,label\n", "a.csv").value(), TaskKind::kText);
  EXPECT_EQ(detect("text,label\n", "noext").value(), TaskKind::kText);
}

TEST_F(DatasetKindTest, RefusesMismatchesAndOtherFormats) {
  EXPECT_EQ(detect("text,label\n", "a.zip").error().code, ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(detect(std::string("PK\x03\x04", 4), "a.csv").error().code,
            ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(detect(std::string("\x89PNG\r\n\x1a\n\0\0", 10), "a.png").error().code,
            ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(detect("PK", "model.pt").error().code, ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(detect(std::string("PK\x03\x04", 4), "a.zip", TaskKind::kText).error().code,
            ErrorCode::kUnsupportedMediaType);
  EXPECT_EQ(detect("", "a.zip").error().slug, "empty_dataset");
}

}  // namespace
}  // namespace trainbox::service
