// One contract suite for every BlobStore implementation.

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>

#include "storage/blob_store.h"
#include "tests/contract/s3_test_server.h"
#include "util/fs.h"
#include "util/ids.h"

namespace trainbox::storage {
namespace {
namespace fsys = std::filesystem;

struct BlobFactory {
  std::string name;
  std::function<std::string(const fsys::path& scratch)> url;
};

const BlobFactory kBlobFactories[] = {
    {"File", [](const fsys::path& scratch) { return "file://" + (scratch / "blobs").string(); }},
    {"Memory", [](const fsys::path&) { return std::string("memory://"); }},
    // The real S3-compatible server of tests/servers/s3.sh; each test under a prefix of its own.
    {"S3",
     [](const fsys::path&) {
       auto url = testing::s3_test_url("contract-" + new_task_id());
       if (!url) ADD_FAILURE() << testing::missing_server_message("s3");
       return url.value_or("");
     }},
};

class BlobStoreContract : public ::testing::TestWithParam<BlobFactory> {
 protected:
  void SetUp() override {
    std::string url = GetParam().url(scratch_.path());
    ASSERT_FALSE(url.empty()) << "no URL for the " << GetParam().name << " backend";
    auto opened = open_blob_store(url);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  TempDir scratch_{fsys::temp_directory_path(), "blob-contract"};
  std::unique_ptr<BlobStore> store_;
};

TEST_P(BlobStoreContract, BytesRoundTripAndOverwrite) {
  ASSERT_TRUE(store_->put_bytes("tasks/a/x.bin", "first"));
  ASSERT_TRUE(store_->put_bytes("tasks/a/x.bin", std::string("sec\0ond", 7)));
  EXPECT_EQ(store_->get_bytes("tasks/a/x.bin").value(), std::string("sec\0ond", 7));
  EXPECT_TRUE(store_->exists("tasks/a/x.bin").value());
  EXPECT_FALSE(store_->exists("tasks/a/y.bin").value());
}

TEST_P(BlobStoreContract, FilesRoundTrip) {
  fsys::path source = scratch_.path() / "source.bin";
  ASSERT_TRUE(write_file_atomic(source, std::string(2 << 20, 'z')));
  ASSERT_TRUE(store_->put_file("k/big.bin", source));
  fsys::path dest = scratch_.path() / "dest.bin";
  ASSERT_TRUE(store_->get_file("k/big.bin", dest));
  EXPECT_EQ(fsys::file_size(dest), 2u << 20);
}

TEST_P(BlobStoreContract, MissingBlobIsNotFound) {
  EXPECT_EQ(store_->get_bytes("no/such").error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->get_file("no/such", scratch_.path() / "x").error().code, ErrorCode::kNotFound);
}

TEST_P(BlobStoreContract, ListAndRemovePrefixTouchOnlyThatPrefix) {
  ASSERT_TRUE(store_->put_bytes("tasks/a/1", "1"));
  ASSERT_TRUE(store_->put_bytes("tasks/a/sub/2", "2"));
  ASSERT_TRUE(store_->put_bytes("tasks/ab/3", "3"));
  EXPECT_EQ(store_->list("tasks/a/").value(),
            (std::vector<std::string>{"tasks/a/1", "tasks/a/sub/2"}));
  ASSERT_TRUE(store_->remove_prefix("tasks/a/"));
  EXPECT_EQ(store_->list("tasks/").value(), std::vector<std::string>{"tasks/ab/3"});
  EXPECT_TRUE(store_->remove_prefix("tasks/none/"));  // removing nothing is fine
}

TEST_P(BlobStoreContract, RefusesKeysThatEscape) {
  for (const char* bad : {"../outside", "/etc/passwd", "a/../../b", "a\\..\\b"}) {
    auto put = store_->put_bytes(bad, "x");
    ASSERT_FALSE(put) << bad;
    EXPECT_EQ(put.error().slug, "invalid_blob_key");
    EXPECT_FALSE(store_->get_bytes(bad));
  }
  EXPECT_FALSE(store_->remove_prefix("../"));
  EXPECT_FALSE(fsys::exists(scratch_.path() / "outside"));
}

INSTANTIATE_TEST_SUITE_P(AllBackends, BlobStoreContract, ::testing::ValuesIn(kBlobFactories),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(FileBlobStore, LeavesNoTempFilesAndListSkipsThem) {
  TempDir scratch(fsys::temp_directory_path(), "blob-file");
  auto store = open_blob_store("file://" + (scratch.path() / "b").string()).value();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(store->put_bytes("k/v", std::to_string(i)));
  int files = 0;
  for ([[maybe_unused]] auto& entry : fsys::recursive_directory_iterator(scratch.path() / "b")) {
    if (entry.is_regular_file()) ++files;
  }
  EXPECT_EQ(files, 1);
  EXPECT_EQ(store->get_bytes("k/v").value(), "4");
}

}  // namespace
}  // namespace trainbox::storage
