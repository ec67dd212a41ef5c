#include "service/upload_checks.h"

#include <gtest/gtest.h>

#include <fstream>

#include "util/fs.h"

namespace trainbox::service {
namespace {
namespace fsys = std::filesystem;

// --- a raw zip writer (stored entries), for archives libzip would not write ---
struct RawEntry {
  std::string name;
  std::string data;
  uint16_t flags = 0;                  // bit 0: encrypted
  uint32_t external = 0100644u << 16;  // unix mode in the high half
};

uint32_t crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFF;
  for (unsigned char c : data) {
    crc ^= c;
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put(std::string& out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

std::string local_record(const RawEntry& e) {
  std::string out;
  put(out, 0x04034b50, 4);
  put(out, 20, 2);
  put(out, e.flags, 2);
  put(out, 0, 2);  // stored
  put(out, 0, 4);  // time, date
  put(out, crc32(e.data), 4);
  put(out, e.data.size(), 4);
  put(out, e.data.size(), 4);
  put(out, e.name.size(), 2);
  put(out, 0, 2);
  return out + e.name + e.data;
}

std::string central_record(const RawEntry& e, uint64_t offset) {
  std::string out;
  put(out, 0x02014b50, 4);
  put(out, 0x031E, 2);  // made by unix
  put(out, 20, 2);
  put(out, e.flags, 2);
  put(out, 0, 2);
  put(out, 0, 4);
  put(out, crc32(e.data), 4);
  put(out, e.data.size(), 4);
  put(out, e.data.size(), 4);
  put(out, e.name.size(), 2);
  put(out, 0, 6);  // extra, comment, disk
  put(out, 0, 2);  // internal attributes
  put(out, e.external, 4);
  put(out, offset, 4);
  return out + e.name;
}

std::string finish_zip(std::string body, const std::vector<std::string>& centrals) {
  uint64_t cd_offset = body.size();
  std::string cd;
  for (const auto& c : centrals) cd += c;
  body += cd;
  put(body, 0x06054b50, 4);
  put(body, 0, 4);
  put(body, centrals.size(), 2);
  put(body, centrals.size(), 2);
  put(body, cd.size(), 4);
  put(body, cd_offset, 4);
  put(body, 0, 2);
  return body;
}

std::string raw_zip(const std::vector<RawEntry>& entries) {
  std::string body;
  std::vector<std::string> centrals;
  for (const auto& e : entries) {
    centrals.push_back(central_record(e, body.size()));
    body += local_record(e);
  }
  return finish_zip(body, centrals);
}

std::vector<RawEntry> two_classes() {
  return {{"cat/1.png", "x"}, {"cat/2.png", "y"}, {"dog/1.png", "z"}, {"dog/2.jpg", "w"}};
}

class UploadChecksTest : public ::testing::Test {
 protected:
  fsys::path write(const std::string& name, const std::string& bytes) {
    auto path = dir_.path() / name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  Status zip(const std::vector<RawEntry>& entries) {
    return check_image_upload(write("d.zip", raw_zip(entries)), limits_);
  }
  Status csv(const std::string& text, ml::TrainOptions options = {}) {
    return check_text_upload(write("d.csv", text), options, limits_);
  }
  static std::string slug(const Status& status) {
    return status ? std::string("ok") : status.error().slug;
  }

  TempDir dir_{fsys::temp_directory_path(), "upload-checks"};
  IntakeLimits limits_;
};

TEST_F(UploadChecksTest, AcceptsAPlainClassFolderZip) {
  EXPECT_EQ(slug(zip(two_classes())), "ok");
  auto nested = two_classes();
  for (auto& e : nested) e.name = "shapes/" + e.name;
  nested.push_back({"shapes/", ""});
  nested.push_back({"__MACOSX/._x", "junk"});
  EXPECT_EQ(slug(zip(nested)), "ok");
}

TEST_F(UploadChecksTest, RefusesEscapingLinkedAndEncryptedEntries) {
  for (std::string name :
       {"../../../tmp/pwned", "/etc/cron.d/x", "C:\\x", "..\\..\\x", "a/..\\..\\x"}) {
    auto entries = two_classes();
    entries.push_back({name, "boom"});
    EXPECT_EQ(slug(zip(entries)), "archive_path_traversal") << name;
  }
  auto linked = two_classes();
  linked.push_back({"cat/3.png", "/etc/passwd", 0, 0120777u << 16});
  EXPECT_EQ(slug(zip(linked)), "archive_symlink");
  auto encrypted = two_classes();
  encrypted[0].flags = 1;
  EXPECT_EQ(slug(zip(encrypted)), "archive_encrypted");
}

TEST_F(UploadChecksTest, RefusesDuplicateAndCaseOnlyDuplicateNames) {
  auto same = two_classes();
  same.push_back({"cat/1.png", "again"});
  Status status = zip(same);
  EXPECT_EQ(slug(status), "archive_duplicate_entry");
  EXPECT_NE(status.error().message.find("twice"), std::string::npos);
  auto cased = two_classes();
  cased.push_back({"Cat/1.png", "again"});
  status = zip(cased);
  EXPECT_EQ(slug(status), "archive_duplicate_entry");
  EXPECT_NE(status.error().message.find("only in case"), std::string::npos);
}

TEST_F(UploadChecksTest, RefusesOverlappingEntries) {
  // Two directory records pointing at one local record.
  auto entries = two_classes();
  std::string body = local_record(entries[0]);
  std::vector<std::string> centrals = {central_record(entries[0], 0),
                                       central_record(entries[1], 0)};
  auto path = write("o.zip", finish_zip(body, centrals));
  EXPECT_EQ(slug(check_image_upload(path, limits_)), "archive_invalid");
  // Quoted overlap: the second entry's local record lies inside the first entry's data.
  RawEntry inner{"dog/1.png", "kernel"};
  RawEntry outer{"cat/1.png", local_record(inner)};
  body = local_record(outer);
  centrals = {central_record(outer, 0), central_record(inner, 30 + outer.name.size())};
  path = write("q.zip", finish_zip(body, centrals));
  EXPECT_EQ(slug(check_image_upload(path, limits_)), "archive_invalid");
}

TEST_F(UploadChecksTest, RefusesTruncatedAndDamagedZips) {
  std::string whole = raw_zip(two_classes());
  EXPECT_EQ(slug(check_image_upload(write("t.zip", whole.substr(0, whole.size() / 2)), limits_)),
            "archive_invalid");
  std::string cut_directory =
      whole.substr(0, whole.size() - 22 - 10) + whole.substr(whole.size() - 22);
  EXPECT_EQ(slug(check_image_upload(write("c.zip", cut_directory), limits_)), "archive_invalid");
  RawEntry zip64{"cat/3.png", "x"};
  std::string central = central_record(zip64, 0);
  central.replace(20, 8, std::string(8, '\xFF'));  // sizes 0xFFFFFFFF without a zip64 field
  EXPECT_EQ(
      slug(check_image_upload(write("z.zip", finish_zip(local_record(zip64), {central})), limits_)),
      "archive_invalid");
}

TEST_F(UploadChecksTest, RefusesTooManyEntriesAndDeclaredSizes) {
  limits_.dataset.max_entries = 3;
  EXPECT_EQ(slug(zip(two_classes())), "archive_too_many_entries");
  limits_.dataset.max_entries = 100;
  limits_.dataset.max_archive_bytes = 3;
  EXPECT_EQ(slug(zip(two_classes())), "archive_too_large");
}

TEST_F(UploadChecksTest, CountsClasses) {
  std::vector<RawEntry> one = {
      {"cat/1.png", "x"}, {"cat/2.png", "y"}, {"dog/notes.txt", "n"}, {"empty/", ""}};
  Status status = zip(one);
  EXPECT_EQ(slug(status), "need_at_least_2_classes");
  EXPECT_NE(status.error().message.find("'dog' (0 images)"), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find("'empty' (0 images)"), std::string::npos);
  auto small = two_classes();
  small.push_back({"bird/1.png", "b"});
  EXPECT_EQ(slug(zip(small)), "dataset_class_too_small");
  limits_.max_classes = 2;
  small.push_back({"bird/2.png", "c"});
  EXPECT_EQ(slug(zip(small)), "too_many_classes");
}

std::string rows(int count, int labels) {
  std::string out = "text,label\n";
  for (int i = 0; i < count; ++i)
    out += "row " + std::to_string(i) + ",l" + std::to_string(i % labels) + "\n";
  return out;
}

TEST_F(UploadChecksTest, AcceptsTextCsvsTheTrainerAccepts) {
  EXPECT_EQ(slug(csv(rows(20, 2))), "ok");
  EXPECT_EQ(slug(csv("Sentence;Category\nhello;a\nhi;a\nbye;b\nciao;b\n")), "ok");
  EXPECT_EQ(slug(csv("hello,a\nhi,a\nbye,b\nciao,b\n")), "ok");  // no header at all
  EXPECT_EQ(slug(csv(" TEXT ,Label\nhello,a\nhi,a\nbye,b\nciao,b\n")), "ok");
}

TEST_F(UploadChecksTest, RefusesColumnsAndLabelsAsTheTrainerDoes) {
  ml::TrainOptions target;
  target.label_column = "target";
  EXPECT_EQ(slug(csv(rows(20, 2), target)), "csv_missing_column");
  EXPECT_EQ(slug(csv("just one column\nhello\nhi\n")), "csv_missing_column");
  EXPECT_EQ(slug(csv(rows(20, 1))), "need_at_least_2_classes");
  EXPECT_EQ(slug(csv("text,label\na,x\nb,x\nc,y\n")), "class_too_small");
  EXPECT_EQ(slug(csv("text,label\n,x\n ,y\n")), "csv_no_texts");
  EXPECT_EQ(slug(csv(rows(3000, 1500))), "csv_too_many_classes");
  limits_.max_classes = 3;
  EXPECT_EQ(slug(csv(rows(20, 4))), "too_many_classes");
}

TEST_F(UploadChecksTest, RefusesLongFieldsManyRowsAndOtherEncodings) {
  EXPECT_EQ(slug(csv("text,label\n" + std::string(200'000, 'x') + ",a\n")), "csv_field_too_large");
  limits_.max_csv_rows = 10;
  EXPECT_EQ(slug(csv(rows(10, 2))), "ok");
  EXPECT_EQ(slug(csv(rows(11, 2))), "csv_too_long");
  auto utf16 = [](const std::string& text, bool big_endian) {
    std::string out;
    for (char c : text) out += big_endian ? std::string{'\0', c} : std::string{c, '\0'};
    return out;
  };
  std::string text = rows(8, 2);
  for (auto [bytes, expected] : std::vector<std::pair<std::string, std::string>>{
           {"\xFF\xFE" + utf16(text, false), "UTF-16"},
           {"\xFE\xFF" + utf16(text, true), "UTF-16"},
           {utf16(text, false), "UTF-16 (little-endian)"},
           {utf16(text, true), "UTF-16 (big-endian)"},
           {utf16(utf16(text, false), false), "UTF-32 (little-endian)"},
           {std::string("\xFF\xFE\0\0", 4) + utf16(utf16(text, false), false), "UTF-32"}}) {
    Status status = csv(bytes);
    ASSERT_EQ(slug(status), "csv_unsupported_encoding") << expected;
    EXPECT_NE(status.error().message.find("looks like " + expected), std::string::npos)
        << status.error().message;
    EXPECT_NE(status.error().message.find("save it as UTF-8"), std::string::npos);
    if (expected.starts_with("UTF-16")) {
      EXPECT_EQ(status.error().message.find("UTF-32"), std::string::npos);
    }
  }
}

std::string png_header(uint32_t width, uint32_t height) {
  std::string out = "\x89PNG\r\n\x1A\n";
  auto be32 = [&](uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
  };
  be32(13);
  out += "IHDR";
  be32(width);
  be32(height);
  return out + std::string("\x08\x02\0\0\0\0\0\0\0", 9);
}

std::string gif_header(uint16_t width, uint16_t height) {
  std::string out = "GIF89a";
  put(out, width, 2);
  put(out, height, 2);
  return out + std::string(3, '\0');
}

// A baseline JPEG's markers up to its frame header (APP0 first, as JFIF writes it).
std::string jpeg_header(uint16_t width, uint16_t height) {
  std::string out = "\xFF\xD8\xFF\xE0";
  out += std::string("\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 16);
  out += "\xFF\xC0";
  out += std::string("\x00\x11\x08", 3);
  out.push_back(static_cast<char>(height >> 8));
  out.push_back(static_cast<char>(height & 0xFF));
  out.push_back(static_cast<char>(width >> 8));
  out.push_back(static_cast<char>(width & 0xFF));
  return out + std::string(10, '\0');
}

TEST(PredictPixelsTest, AddsUpHeaderSizesBeforeDecoding) {
  EXPECT_TRUE(check_predict_pixels({png_header(1000, 1000), gif_header(1000, 1000)}, 2.5));
  Status over = check_predict_pixels(
      {png_header(1000, 1000), jpeg_header(1000, 1000), gif_header(1000, 1000)}, 2.5);
  ASSERT_FALSE(over);
  EXPECT_EQ(over.error().slug, "too_many_pixels");
  EXPECT_EQ(over.error().code, ErrorCode::kPayloadTooLarge);
  EXPECT_FALSE(check_predict_pixels({png_header(100000, 100000)}, 200));
  EXPECT_TRUE(check_predict_pixels({"not an image", "\xFF\xD8\xFF"}, 0.01));
}

}  // namespace
}  // namespace trainbox::service
