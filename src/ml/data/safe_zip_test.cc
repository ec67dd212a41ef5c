#include "ml/data/safe_zip.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zip.h>

#include <fstream>

#include "ml/testing/image_fixtures.h"

namespace trainbox::ml::data {
namespace {

namespace fs = std::filesystem;

class SafeZipTest : public ::testing::Test {
 protected:
  fs::path dir_ = fs::temp_directory_path() / ("safe_zip_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir_); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string slug_of_open(const fs::path& zip, const ArchiveLimits& limits = {}) {
    auto reader = SafeZip::open(zip, limits);
    return reader ? "" : reader.error().slug;
  }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_all(const fs::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

// Sets the "encrypted" flag bit in every local and central directory header of a stored zip.
std::string mark_encrypted(std::string zip) {
  for (size_t i = 0; i + 10 < zip.size(); ++i) {
    if (zip.compare(i, 4, "PK\x03\x04") == 0) zip[i + 6] |= 1;
    if (zip.compare(i, 4, "PK\x01\x02") == 0) zip[i + 8] |= 1;
  }
  return zip;
}

TEST(CheckEntryNameTest, RefusesEveryEscape) {
  for (const char* name : {"../evil.png", "a/../../evil.png", "/etc/passwd", "\\evil.png",
                           "a\\..\\..\\evil.png", "C:/evil.png", "..", "a/.."}) {
    auto status = check_entry_name(name);
    ASSERT_FALSE(status) << name;
    EXPECT_EQ(status.error().slug, "archive_path_traversal");
  }
  for (const char* name : {"cats/a.png", "a..b/c.png", "dir/..hidden.png", "x/"}) {
    EXPECT_TRUE(check_entry_name(name)) << name;
  }
}

TEST_F(SafeZipTest, ReadsNormalArchive) {
  testing::write_zip(dir_ / "ok.zip", {{"a/x.txt", "hello"}, {"b/y.txt", std::string(100, 'y')}});
  auto reader = SafeZip::open(dir_ / "ok.zip", {});
  ASSERT_TRUE(reader);
  ASSERT_EQ((*reader)->entries().size(), 2U);
  auto bytes = (*reader)->read((*reader)->entries()[0]);
  ASSERT_TRUE(bytes);
  EXPECT_EQ(*bytes, "hello");
}

TEST_F(SafeZipTest, RefusesTraversalEntries) {
  for (const char* name : {"../evil.txt", "ok/..\\..\\evil.txt", "/abs.txt"}) {
    testing::write_zip(dir_ / "t.zip", {{"ok/a.txt", "a"}, {name, "evil"}});
    EXPECT_EQ(slug_of_open(dir_ / "t.zip"), "archive_path_traversal") << name;
  }
}

TEST_F(SafeZipTest, RefusesSymlinks) {
  int error = 0;
  std::string target = "/etc/passwd";
  zip_t* archive = zip_open((dir_ / "l.zip").c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  auto index = zip_file_add(archive, "cats/link.png",
                            zip_source_buffer(archive, target.data(), target.size(), 0), 0);
  zip_file_set_external_attributes(archive, index, 0, ZIP_OPSYS_UNIX, (S_IFLNK | 0777) << 16);
  zip_close(archive);
  EXPECT_EQ(slug_of_open(dir_ / "l.zip"), "archive_symlink");
}

TEST_F(SafeZipTest, RefusesEncryptedEntries) {
  testing::write_zip(dir_ / "e.zip", {{"cats/a.png", "secret"}}, /*compress=*/false);
  write_all(dir_ / "e.zip", mark_encrypted(read_all(dir_ / "e.zip")));
  EXPECT_EQ(slug_of_open(dir_ / "e.zip"), "archive_encrypted");
}

TEST_F(SafeZipTest, RefusesTooManyEntries) {
  testing::Files files;
  for (int i = 0; i < 5; ++i) files.push_back({"f" + std::to_string(i), "x"});
  testing::write_zip(dir_ / "n.zip", files);
  ArchiveLimits limits;
  limits.max_entries = 4;
  EXPECT_EQ(slug_of_open(dir_ / "n.zip", limits), "archive_too_many_entries");
}

TEST_F(SafeZipTest, RefusesHighCompressionRatio) {
  testing::write_zip(dir_ / "bomb.zip", {{"zeros.bin", std::string(8 << 20, '\0')}});
  EXPECT_EQ(slug_of_open(dir_ / "bomb.zip"), "archive_ratio_exceeded");
}

TEST_F(SafeZipTest, RefusesDeclaredSizeOverLimits) {
  testing::write_zip(dir_ / "big.zip",
                     {{"a.bin", std::string(3000, 'a')}, {"b.bin", std::string(3000, 'b')}});
  ArchiveLimits limits;
  limits.max_entry_bytes = 2000;
  EXPECT_EQ(slug_of_open(dir_ / "big.zip", limits), "archive_entry_too_large");
  limits = {};
  limits.max_total_bytes = 5000;
  EXPECT_EQ(slug_of_open(dir_ / "big.zip", limits), "archive_too_large");
}

TEST_F(SafeZipTest, CountsInflatedBytesWhenHeaderLies) {
  // Two entries whose headers are honest but whose total passes the limit only while reading.
  testing::write_zip(dir_ / "r.zip",
                     {{"a.bin", std::string(3000, 'a')}, {"b.bin", std::string(3000, 'b')}});
  ArchiveLimits limits;
  limits.max_total_bytes = 6000;
  auto reader = SafeZip::open(dir_ / "r.zip", limits);
  ASSERT_TRUE(reader);
  ASSERT_TRUE((*reader)->read((*reader)->entries()[0]));
  ASSERT_TRUE((*reader)->read((*reader)->entries()[1]));
  auto again = (*reader)->read((*reader)->entries()[0]);  // 9000 bytes inflated in total
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().slug, "archive_too_large");
}

TEST_F(SafeZipTest, RefusesBombWhoseHeaderUnderstatesItsSize) {
  testing::write_zip(dir_ / "lie.zip", {{"zeros.bin", std::string(4 << 20, '\0')}});
  std::string zip = read_all(dir_ / "lie.zip");
  // Patch the uncompressed size (local header offset 22, central header offset 24) to 100.
  for (size_t i = 0; i + 30 < zip.size(); ++i) {
    size_t at = zip.compare(i, 4, "PK\x03\x04") == 0   ? i + 22
                : zip.compare(i, 4, "PK\x01\x02") == 0 ? i + 24
                                                       : 0;
    if (at) zip.replace(at, 4, std::string("\x64\0\0\0", 4));
  }
  write_all(dir_ / "lie.zip", zip);
  auto reader = SafeZip::open(dir_ / "lie.zip", {});
  ASSERT_TRUE(reader) << reader.error().slug;
  auto bytes = (*reader)->read((*reader)->entries()[0]);
  ASSERT_FALSE(bytes) << "read " << bytes->size() << " bytes";
}

}  // namespace
}  // namespace trainbox::ml::data
