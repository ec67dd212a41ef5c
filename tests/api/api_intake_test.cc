// The intake checks of POST /api/v1/tasks against the real binary: each bad input of
// RELIABILITY.md's table that can be decided at upload gets its 4xx and slug synchronously, and
// nothing is stored (no task, no blob, no upload left behind).
#include <fstream>

#include "bench/sentences.h"
#include "tests/api/api_fixture.h"
#include "tests/api/raw_zip.h"

namespace trainbox::testing {
namespace {

class ApiIntakeTest : public ApiTest {
 protected:
  void SetUp() override { start_server({"--max-zip-entries", "5000", "--max-csv-rows", "1000"}); }
};

TEST_F(ApiIntakeTest, B1ToB3PathsOutsideTheArchive) {
  expect_refused("b1.zip", raw_zip(with(two_classes(), {"../../../tmp/pwned", "x"})), 400,
                 "archive_path_traversal");
  expect_refused("b2.zip", raw_zip(with(two_classes(), {"/etc/cron.d/x", "x"})), 400,
                 "archive_path_traversal");
  expect_refused("b2w.zip", raw_zip(with(two_classes(), {"C:\\x", "x"})), 400,
                 "archive_path_traversal");
  expect_refused("b3.zip", raw_zip(with(two_classes(), {"..\\..\\x", "x"})), 400,
                 "archive_path_traversal");
  expect_refused("b3m.zip", raw_zip(with(two_classes(), {"a/..\\..\\x", "x"})), 400,
                 "archive_path_traversal");
}

TEST_F(ApiIntakeTest, B4SymlinkEntry) {
  expect_refused("b4.zip",
                 raw_zip(with(two_classes(), {"cat/3.png", "/etc/passwd", 0, 0120777u << 16})), 400,
                 "archive_symlink");
}

TEST_F(ApiIntakeTest, B6OverlappingEntries) {
  auto entries = two_classes();
  std::string body = local_record(entries[0]);
  expect_refused("b6.zip",
                 finish_zip(body, {central_record(entries[0], 0), central_record(entries[1], 0)}),
                 400, "archive_invalid");
  RawEntry inner{"dog/1.png", "kernel"};
  RawEntry outer{"cat/1.png", local_record(inner)};
  expect_refused("b6q.zip",
                 finish_zip(local_record(outer), {central_record(outer, 0),
                                                  central_record(inner, 30 + outer.name.size())}),
                 400, "archive_invalid");
}

TEST_F(ApiIntakeTest, B9TooManyEntriesFromTheDirectory) {
  std::vector<RawEntry> entries = two_classes();
  for (int i = 0; i < 5000; ++i) entries.push_back({"cat/e" + std::to_string(i) + ".png", ""});
  expect_refused("b9.zip", raw_zip(entries), 413, "archive_too_many_entries");
}

TEST_F(ApiIntakeTest, B10TooManyClasses) {  // 1,001 classes; --max-classes defaults to 1000
  std::vector<RawEntry> entries;
  for (int i = 0; i < 1001; ++i) {
    entries.push_back({"c" + std::to_string(i) + "/1.png", "x"});
    entries.push_back({"c" + std::to_string(i) + "/2.png", "y"});
  }
  std::string body = expect_refused("b10.zip", raw_zip(entries), 400, "too_many_classes");
  EXPECT_NE(body.find("1001"), std::string::npos) << body;
}

TEST_F(ApiIntakeTest, B11TooFewClasses) {
  expect_refused("b11.zip",
                 raw_zip({{"cat/1.png", "x"}, {"cat/2.png", "y"}, {"dog/readme.txt", "r"}}), 400,
                 "need_at_least_2_classes");
  expect_refused("b11e.zip", raw_zip({{"cat/1.png", "x"}, {"cat/2.png", "y"}, {"empty/", ""}}), 400,
                 "need_at_least_2_classes");
}

TEST_F(ApiIntakeTest, B14DuplicateAndCaseOnlyDuplicateNames) {
  expect_refused("b14.zip", raw_zip(with(two_classes(), {"cat/1.png", "again"})), 400,
                 "archive_duplicate_entry");
  expect_refused("b14c.zip", raw_zip(with(two_classes(), {"Cat/1.png", "again"})), 400,
                 "archive_duplicate_entry");
}

TEST_F(ApiIntakeTest, B15EncryptedEntry) {
  auto entries = two_classes();
  entries[1].flags = 1;
  expect_refused("b15.zip", raw_zip(entries), 400, "archive_encrypted");
}

TEST_F(ApiIntakeTest, B16TruncatedZip) {
  std::string whole = shapes_zip(scratch_.path(), 2, 4, 16);
  expect_refused("b16.zip", whole.substr(0, whole.size() / 2), 400, "archive_invalid");
  expect_refused("b16d.zip", whole.substr(0, whole.size() - 30) + whole.substr(whole.size() - 22),
                 400, "archive_invalid");
}

std::string rows(int count, int labels) {
  std::string out = "text,label\n";
  for (int i = 0; i < count; ++i) {
    out += "row " + std::to_string(i) + ",l" + std::to_string(i % labels) + "\n";
  }
  return out;
}

TEST_F(ApiIntakeTest, B27FieldTooLarge) {
  expect_refused("b27.csv", "text,label\n" + std::string(200'000, 'x') + ",a\nb,a\nc,b\nd,b\n", 413,
                 "csv_field_too_large");
}

TEST_F(ApiIntakeTest, B28TooManyRows) {
  expect_refused("b28.csv", rows(1001, 2), 400, "csv_too_long");
}

TEST_F(ApiIntakeTest, B29Utf16IsNamed) {
  std::string utf16 = "\xFF\xFE";
  for (char c : rows(10, 2)) utf16 += std::string{c, '\0'};
  std::string body = expect_refused("b29.csv", utf16, 400, "csv_unsupported_encoding");
  EXPECT_NE(body.find("UTF-16"), std::string::npos) << body;
  EXPECT_EQ(body.find("UTF-32"), std::string::npos) << body;
  EXPECT_NE(body.find("save it as UTF-8"), std::string::npos) << body;
}

TEST_F(ApiIntakeTest, B30MissingColumnAndOneClass) {
  expect_refused("b30.csv", rows(20, 2), 400, "csv_missing_column",
                 {{"options", R"({"label_column": "target"})"}});
  expect_refused("b30o.csv", rows(20, 1), 400, "need_at_least_2_classes");
}

// A PNG whose header announces width x height: a few bytes, no pixel data.
std::string png_header(uint32_t width, uint32_t height) {
  std::string out = "\x89PNG\r\n\x1A\n";
  auto be32 = [&](uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  be32(13);
  out += "IHDR";
  be32(width);
  be32(height);
  out += std::string("\x08\x02\0\0\0", 5);
  be32(0);
  return out;
}

TEST_F(ApiIntakeTest, ValidZipAndCsvAreStillAcceptedAndComplete) {
  nlohmann::json image = create_ok(R"({"epochs": 1})");
  auto text = create_task(*client_, "topics.csv", bench::sentences_csv(2, 20));
  ASSERT_TRUE(text);
  ASSERT_EQ(text->status, 202) << text->body;
  std::string image_id = image.value("id", "");
  for (std::string id : {image_id, nlohmann::json::parse(text->body).value("id", "")}) {
    EXPECT_EQ(wait_status(id, "COMPLETED")["status"], "COMPLETED") << id;
  }
  // Predict: 2 x 150 megapixels announced by the headers is over the default 200 per request.
  httplib::MultipartFormDataItems files;
  for (int i = 0; i < 2; ++i) {
    files.push_back(
        {"file", png_header(15000, 10000), "big" + std::to_string(i) + ".png", "image/png"});
  }
  expect_error(client_->Post("/api/v1/tasks/" + image_id + "/predict", files), 413,
               "too_many_pixels");
}

}  // namespace
}  // namespace trainbox::testing
