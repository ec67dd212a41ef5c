#include "util/sha256.h"

#include <gtest/gtest.h>

#include "util/fs.h"

namespace trainbox {
namespace {

TEST(Sha256, KnownVectors) {
  EXPECT_EQ(sha256_hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex_of("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Sha256, FileDigestMatchesTheBytesAndCountsThem) {
  TempDir dir(std::filesystem::temp_directory_path(), "sha256-test");
  std::string data(200'000, 'x');
  ASSERT_TRUE(write_file_atomic(dir.path() / "f", data));
  auto digest = sha256_file(dir.path() / "f");
  ASSERT_TRUE(digest) << digest.error().message;
  EXPECT_EQ(digest->size, data.size());
  EXPECT_EQ(digest->sha256, sha256_hex_of(data));
  auto missing = sha256_file(dir.path() / "nope");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace trainbox
