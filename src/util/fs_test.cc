#include "util/fs.h"

#include <gtest/gtest.h>

namespace trainbox {
namespace fsys = std::filesystem;

TEST(Fs, AtomicWriteReplacesWholeFileAndLeavesNoTemp) {
  TempDir dir(fsys::temp_directory_path(), "fs-test");
  fsys::path file = dir.path() / "a.txt";
  ASSERT_TRUE(write_file_atomic(file, "first"));
  ASSERT_TRUE(write_file_atomic(file, "second"));
  EXPECT_EQ(read_file(file).value(), "second");
  int entries = 0;
  for ([[maybe_unused]] auto& entry : fsys::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 1);
}

TEST(Fs, CopyAtomic) {
  TempDir dir(fsys::temp_directory_path(), "fs-test");
  ASSERT_TRUE(write_file_atomic(dir.path() / "src", std::string(3 << 20, 'x')));
  ASSERT_TRUE(copy_file_atomic(dir.path() / "src", dir.path() / "dest"));
  EXPECT_EQ(read_file(dir.path() / "dest").value().size(), 3u << 20);
}

TEST(Fs, MissingFileIsNotFound) {
  auto missing = read_file("/nonexistent/trainbox/file");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

TEST(Fs, TempDirRemovesItself) {
  fsys::path kept;
  {
    TempDir dir(fsys::temp_directory_path(), "fs-test");
    kept = dir.path();
    ASSERT_TRUE(write_file_atomic(kept / "x", "y"));
  }
  EXPECT_FALSE(fsys::exists(kept));
}

}  // namespace trainbox
