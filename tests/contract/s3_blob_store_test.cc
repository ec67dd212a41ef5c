// What the S3 BlobStore adds to the contract suite, against the S3-compatible test server
// (tests/servers/s3.sh: s3rver with SigV4 checking): multipart uploads, large streamed
// transfers, continuation tokens, retries, and the errors a person sees when the credentials,
// the bucket or the server are wrong.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "aws/credentials.h"
#include "storage/blob_store.h"
#include "storage/s3_client.h"
#include "storage/s3_multipart.h"
#include "tests/contract/s3_test_server.h"
#include "util/fs.h"
#include "util/ids.h"

namespace trainbox::storage {
namespace {
namespace fsys = std::filesystem;

// Sets (or unsets, with nullptr) one environment variable for the life of the object.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    value ? setenv(name, value, 1) : unsetenv(name);
  }
  ~ScopedEnv() { old_ ? setenv(name_, old_->c_str(), 1) : unsetenv(name_); }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

// Pseudo-random bytes, so a part boundary off by one shows as a mismatch.
void write_random_file(const fsys::path& path, size_t size, unsigned seed) {
  std::mt19937 random(seed);
  std::string data(size, '\0');
  for (char& c : data) c = static_cast<char>(random());
  ASSERT_TRUE(write_file_atomic(path, data));
}

class S3BlobStoreTest : public ::testing::Test {
 protected:
  // The URL of a fresh prefix, or "" after a failure that names the missing server.
  std::string url(std::string_view options = "", std::string_view bucket = "") {
    auto found = testing::s3_test_url("s3-" + new_task_id(), options, bucket);
    if (!found) ADD_FAILURE() << testing::missing_server_message("s3");
    return found.value_or("");
  }
  std::unique_ptr<BlobStore> open(std::string_view options = "") {
    auto opened = open_blob_store(url(options));
    EXPECT_TRUE(opened) << opened.error().message;
    return opened ? std::move(*opened) : nullptr;
  }
  TempDir scratch_{fsys::temp_directory_path(), "s3-blob"};
};

TEST_F(S3BlobStoreTest, MultipartUploadRoundTripsByteExact) {
  auto store = open("multipart_threshold_mb=6&part_mb=5");
  ASSERT_TRUE(store);
  fsys::path source = scratch_.path() / "source.bin";
  write_random_file(source, (12u << 20) + 12345, 1);  // parts of 5, 5 and 2 MB + 12345 bytes
  ASSERT_TRUE(store->put_file("k/multi.bin", source));
  fsys::path dest = scratch_.path() / "dest.bin";
  ASSERT_TRUE(store->get_file("k/multi.bin", dest));
  EXPECT_EQ(read_file(dest).value(), read_file(source).value());
  EXPECT_EQ(store->list("k/").value(), std::vector<std::string>{"k/multi.bin"});
}

TEST_F(S3BlobStoreTest, MultipartUploadDirectlyThroughTheClient) {
  std::string store_url = url();
  ASSERT_FALSE(store_url.empty());
  auto config = parse_s3_url(store_url, "");
  ASSERT_TRUE(config) << config.error().message;
  S3Config small_parts = *config;
  small_parts.part_size = 5u << 20;
  S3Client client(small_parts, aws::credentials_from_env().value());
  fsys::path source = scratch_.path() / "source.bin";
  write_random_file(source, (10u << 20) + 1, 2);  // 5 MB, 5 MB, 1 byte
  ASSERT_TRUE(s3_multipart_upload(client, config->prefix + "direct.bin", "direct.bin", source,
                                  fsys::file_size(source)));
  auto store = open_blob_store(store_url).value();
  EXPECT_EQ(store->get_bytes("direct.bin").value(), read_file(source).value());
}

TEST_F(S3BlobStoreTest, StreamedGetOfA20MegabyteFile) {
  auto store = open();
  ASSERT_TRUE(store);
  fsys::path source = scratch_.path() / "big.bin";
  write_random_file(source, 20u << 20, 3);
  ASSERT_TRUE(store->put_file("big/data.bin", source));
  fsys::path dest = scratch_.path() / "out" / "data.bin";
  fsys::create_directories(dest.parent_path());
  ASSERT_TRUE(store->get_file("big/data.bin", dest));
  EXPECT_EQ(read_file(dest).value(), read_file(source).value());
  EXPECT_EQ(std::distance(fsys::directory_iterator(dest.parent_path()), {}), 1)
      << "the temp file was renamed, not left beside it";
}

TEST_F(S3BlobStoreTest, FailedGetLeavesNoFileBehind) {
  auto store = open();
  ASSERT_TRUE(store);
  fsys::path dest = scratch_.path() / "out" / "missing.bin";
  fsys::create_directories(dest.parent_path());
  auto got = store->get_file("no/such.bin", dest);
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  EXPECT_TRUE(fsys::is_empty(dest.parent_path()));
}

TEST_F(S3BlobStoreTest, ListFollowsContinuationTokensAndRemoveDeletesEveryPage) {
  auto store = open("list_page_size=2");
  ASSERT_TRUE(store);
  std::vector<std::string> keys;
  for (int i = 0; i < 5; ++i) {
    keys.push_back("p/" + std::to_string(i) + ".txt");
    ASSERT_TRUE(store->put_bytes(keys.back(), std::to_string(i)));
  }
  ASSERT_TRUE(store->put_bytes("q/other", "x"));
  EXPECT_EQ(store->list("p/").value(), keys);
  ASSERT_TRUE(store->remove_prefix("p/"));
  EXPECT_EQ(store->list("").value(), std::vector<std::string>{"q/other"});
}

TEST_F(S3BlobStoreTest, PrefixesKeepStoresApart) {
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first && second);
  ASSERT_TRUE(first->put_bytes("same/key", "first"));
  EXPECT_FALSE(second->exists("same/key").value());
  EXPECT_TRUE(second->list("").value().empty());
}

TEST_F(S3BlobStoreTest, RetriesAServerError) {  // s3-server.js fails the first flaky-500-* call
  auto store = open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->put_bytes("r/flaky-500-once", "survived"));
  EXPECT_EQ(store->get_bytes("r/flaky-500-once").value(), "survived");
}

TEST_F(S3BlobStoreTest, VirtualHostedAddressing) {  // BUCKET.s3.localhost (s3-server.js)
  std::string path_style = url("addressing=virtual");
  ASSERT_FALSE(path_style.empty());
  size_t at = path_style.find("endpoint=http://127.0.0.1:");
  if (at == std::string::npos) GTEST_SKIP() << "needs tests/servers/s3.sh's loopback server";
  std::string virtual_hosted = path_style;
  virtual_hosted.replace(at, std::string("endpoint=http://127.0.0.1").size(),
                         "endpoint=http://s3.localhost");
  auto store = open_blob_store(virtual_hosted);
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->put_bytes("v/key", "virtual"));
  EXPECT_EQ((*store)->get_bytes("v/key").value(), "virtual");
  EXPECT_EQ((*store)->list("v/").value(), std::vector<std::string>{"v/key"});
  ASSERT_TRUE((*store)->remove_prefix("v/"));
  EXPECT_FALSE((*store)->exists("v/key").value());
}

TEST_F(S3BlobStoreTest, WrongSecretKeyIsAClearForbidden) {
  std::string store_url = url();  // sets the right credentials first
  ScopedEnv wrong("AWS_SECRET_ACCESS_KEY", "not-the-secret");
  auto opened = open_blob_store(store_url);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(opened.error().slug, "storage_forbidden");
  EXPECT_NE(opened.error().message.find("bucket 'trainbox-test'"), std::string::npos)
      << opened.error().message;
  EXPECT_NE(opened.error().message.find("check the credentials"), std::string::npos);
  EXPECT_NE(opened.error().message.find("SignatureDoesNotMatch"), std::string::npos);
}

TEST_F(S3BlobStoreTest, UnknownAccessKeyIsAClearForbidden) {
  std::string store_url = url();
  ScopedEnv wrong("AWS_ACCESS_KEY_ID", "NOBODY");
  auto opened = open_blob_store(store_url);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().slug, "storage_forbidden") << opened.error().message;
}

TEST_F(S3BlobStoreTest, MissingCredentialsNameTheVariable) {
  std::string store_url = url();
  ScopedEnv unset("AWS_SECRET_ACCESS_KEY", nullptr);
  auto opened = open_blob_store(store_url);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().slug, "aws_credentials_missing");
  EXPECT_NE(opened.error().message.find("AWS_SECRET_ACCESS_KEY"), std::string::npos);
}

TEST_F(S3BlobStoreTest, MissingBucketIsAClearErrorAtOpen) {
  auto opened = open_blob_store(url("", "no-such-bucket-trainbox"));
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(opened.error().slug, "storage_bucket_not_found");
  EXPECT_NE(opened.error().message.find("'no-such-bucket-trainbox' does not exist"),
            std::string::npos)
      << opened.error().message;
}

TEST_F(S3BlobStoreTest, UnreachableServerIsUnavailableAfterBoundedRetries) {
  ASSERT_FALSE(url().empty());  // credentials in place
  auto started = std::chrono::steady_clock::now();
  auto opened =
      open_blob_store("s3://trainbox-test/x?endpoint=http://127.0.0.1:1&region=us-east-1");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(opened.error().slug, "storage_unavailable");
  EXPECT_NE(opened.error().message.find("after 4 attempts"), std::string::npos)
      << opened.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
}

}  // namespace
}  // namespace trainbox::storage
