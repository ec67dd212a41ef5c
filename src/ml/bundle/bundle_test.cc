#include "ml/bundle/bundle.h"

#include <gtest/gtest.h>
#include <zip.h>

#include <fstream>

#include "util/fs.h"

namespace trainbox::ml {
namespace {
namespace fsys = std::filesystem;

class BundleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    model_ = tmp_.path() / "model.pt";
    std::ofstream(model_, std::ios::binary) << std::string("PK\x03\x04 not really torch\0x", 24);
  }
  BundleContents contents() const {
    return {model_,
            class_map_json({"cat", "dog"}),
            {{"kind", "text"}},
            {{"val_accuracy", 1}},
            "# readme\n",
            nullptr};
  }
  // A zip with the given entries, written with libzip directly.
  fsys::path raw_zip(const std::vector<std::pair<std::string, std::string>>& entries) {
    fsys::path path = tmp_.path() / ("raw" + std::to_string(counter_++) + ".zip");
    int err = 0;
    zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    for (const auto& [name, data] : entries) {
      zip_source_t* src = zip_source_buffer(archive, data.data(), data.size(), 0);
      zip_file_add(archive, name.c_str(), src, 0);
    }
    EXPECT_EQ(zip_close(archive), 0);
    return path;
  }
  TempDir tmp_{fsys::temp_directory_path(), "bundle_test"};
  fsys::path model_;
  int counter_ = 0;
};

TEST_F(BundleTest, WritesAndUnpacksAllFiveEntries) {
  fsys::path zip = tmp_.path() / "bundle.zip";
  ASSERT_TRUE(write_bundle(contents(), zip));
  auto dir = unpack_bundle(zip, tmp_.path() / "out");
  ASSERT_TRUE(dir) << dir.error().message;
  for (const auto& name : bundle_entry_names()) EXPECT_TRUE(fsys::exists(*dir / name)) << name;
  EXPECT_EQ(*read_file(*dir / "model.pt"), *read_file(model_));
  auto classes = nlohmann::json::parse(*read_file(*dir / "classes.json"));
  EXPECT_EQ(classes, (nlohmann::json{{"0", "cat"}, {"1", "dog"}}));
  EXPECT_EQ(*read_file(*dir / "README.md"), "# readme\n");
  // Nothing but the bundle is left beside it (the temp file was renamed away).
  int files = 0;
  for (const auto& entry : fsys::directory_iterator(tmp_.path())) files += entry.is_regular_file();
  EXPECT_EQ(files, 2);  // model.pt + bundle.zip
}

TEST_F(BundleTest, OverwritesAnExistingBundle) {
  fsys::path zip = tmp_.path() / "bundle.zip";
  ASSERT_TRUE(write_file_atomic(zip, "old"));
  ASSERT_TRUE(write_bundle(contents(), zip));
  EXPECT_TRUE(unpack_bundle(zip, tmp_.path() / "out"));
}

TEST_F(BundleTest, MissingModelFileFailsAndLeavesNoZip) {
  BundleContents bad = contents();
  bad.model_pt = tmp_.path() / "absent.pt";
  fsys::path zip = tmp_.path() / "bundle.zip";
  EXPECT_FALSE(write_bundle(bad, zip));
  EXPECT_FALSE(fsys::exists(zip));
}

TEST_F(BundleTest, IgnoresUnknownAndTraversalEntries) {
  fsys::path zip = raw_zip({{"model.pt", "m"},
                            {"classes.json", "{}"},
                            {"preprocess.json", "{}"},
                            {"../evil.txt", "x"},
                            {"sub/model.pt", "y"},
                            {"/abs.txt", "z"}});
  fsys::path out = tmp_.path() / "a" / "out";
  auto dir = unpack_bundle(zip, out);
  ASSERT_TRUE(dir) << dir.error().message;
  EXPECT_EQ(*read_file(out / "model.pt"), "m");
  EXPECT_FALSE(fsys::exists(tmp_.path() / "a" / "evil.txt"));
  EXPECT_FALSE(fsys::exists(out / "sub"));
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fsys::directory_iterator(out)) ++files;
  EXPECT_EQ(files, 3);
}

TEST_F(BundleTest, RefusesMissingRequiredEntry) {
  for (std::string missing : {"model.pt", "classes.json", "preprocess.json"}) {
    std::vector<std::pair<std::string, std::string>> entries;
    for (std::string name : {"model.pt", "classes.json", "preprocess.json"}) {
      if (name != missing) entries.emplace_back(name, "x");
    }
    auto dir = unpack_bundle(raw_zip(entries), tmp_.path() / "out");
    ASSERT_FALSE(dir);
    EXPECT_EQ(dir.error().slug, "bundle_missing_entry");
    EXPECT_NE(dir.error().message.find(missing), std::string::npos) << dir.error().message;
  }
}

TEST_F(BundleTest, RefusesCorruptZip) {
  fsys::path zip = tmp_.path() / "bundle.zip";
  ASSERT_TRUE(write_bundle(contents(), zip));
  std::string bytes = *read_file(zip);
  fsys::path truncated = tmp_.path() / "truncated.zip";
  ASSERT_TRUE(write_file_atomic(truncated, bytes.substr(0, bytes.size() / 2)));
  fsys::path garbage = tmp_.path() / "garbage.zip";
  ASSERT_TRUE(write_file_atomic(garbage, "this is not a zip file at all"));
  for (const auto& path : {truncated, garbage, tmp_.path() / "absent.zip"}) {
    auto dir = unpack_bundle(path, tmp_.path() / "out");
    ASSERT_FALSE(dir) << path;
    EXPECT_EQ(dir.error().slug, "bundle_corrupt");
    EXPECT_EQ(dir.error().code, ErrorCode::kInvalidArgument);
  }
}

TEST(ClassMap, RoundTripsAndRefusesGaps) {
  auto map = class_map_json({"a", "b", "c"});
  EXPECT_EQ(map.dump(), R"({"0":"a","1":"b","2":"c"})");
  EXPECT_EQ(*classes_from_json(map), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(classes_from_json(nlohmann::json{{"0", "a"}, {"2", "c"}}));
  EXPECT_FALSE(classes_from_json(nlohmann::json{{"0", 1}}));
  EXPECT_FALSE(classes_from_json(nlohmann::json::array()));
}

}  // namespace
}  // namespace trainbox::ml
