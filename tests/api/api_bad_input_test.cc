// The rows of RELIABILITY.md's bad-input table that api_intake_test.cc does not cover, against
// the real binary. Rows decided at upload answer their 4xx and store nothing; rows that only the
// training can decide (a lying zip header, an image bomb inside the dataset) end the task FAILED
// with the reason; odd but harmless inputs are stored verbatim and train.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ml/testing/image_fixtures.h"
#include "tests/api/api_fixture.h"

namespace trainbox::testing {
namespace {

using ml::testing::Files;

// Two shape classes of 16 px images plus `extra` entries, as a real (deflated) zip.
std::string shapes_with(const std::filesystem::path& dir, const Files& extra) {
  Files files = ml::testing::shape_files(2, 6, 16);
  files.insert(files.end(), extra.begin(), extra.end());
  auto path = dir / "extra.zip";
  ml::testing::write_zip(path, files);
  return read_file(path).value();
}

// A PNG that announces width x height with a valid IHDR, a token IDAT and IEND.
std::string announced_png(uint32_t width, uint32_t height) {
  ml::data::RgbImage one{1, 1, {0, 0, 0}};
  std::string real = ml::testing::encode_png(one);
  // Patch the IHDR of a real 1x1 PNG: width and height at 16..23, the CRC at 29..32.
  auto be32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
      real[at + static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  };
  be32(16, width);
  be32(20, height);
  uint32_t crc = 0xFFFFFFFFu;
  for (size_t i = 12; i < 29; ++i) {
    crc ^= static_cast<unsigned char>(real[i]);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  be32(29, ~crc);
  return real;
}

std::string tiny_png() { return ml::testing::encode_png(ml::data::RgbImage{1, 1, {9, 9, 9}}); }

// Rewrites the uncompressed size of `name` in a libzip-written archive (local header and
// central directory) so that it announces `size` bytes.
std::string lie_about_size(std::string zip, const std::string& name, uint32_t size) {
  auto le32 = [&](size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
      v = (v << 8) | static_cast<unsigned char>(zip[at + static_cast<size_t>(i)]);
    return v;
  };
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) zip[at + static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
  };
  for (size_t at = zip.find("PK\x01\x02"); at != std::string::npos;
       at = zip.find("PK\x01\x02", at + 4)) {
    size_t name_len = static_cast<unsigned char>(zip[at + 28]) |
                      (static_cast<size_t>(static_cast<unsigned char>(zip[at + 29])) << 8);
    if (zip.compare(at + 46, name_len, name) != 0) continue;
    put32(at + 24, size);
    put32(le32(at + 42) + 22, size);
  }
  return zip;
}

class ApiBadInputTest : public ApiTest {
 protected:
  void SetUp() override { start_server({"--max-upload-mb", "8"}); }

  std::string create_accepted(
      const std::string& filename, const std::string& bytes,
      const std::string& options = R"({"epochs": 1, "backbone": "tiny_cnn"})") {
    auto res = create_task(*client_, filename, bytes, {{"options", options}});
    EXPECT_TRUE(res);
    if (!res) return "";
    EXPECT_EQ(res->status, 202) << res->body;
    return nlohmann::json::parse(res->body).value("id", "");
  }
  std::string warnings_of(const nlohmann::json& task) {
    return task["dataset"].value("warnings", nlohmann::json::array()).dump();
  }
  httplib::Result predict_file(const std::string& id, const std::string& bytes,
                               const std::string& name) {
    return client_->Post("/api/v1/tasks/" + id + "/predict",
                         httplib::MultipartFormDataItems{{"file", bytes, name, "image/png"}});
  }
};

TEST_F(ApiBadInputTest, B5BombsAreRefusedFromTheirDeclaredSizes) {
  RawEntry bomb{"cat/bomb.png", std::string(10'000, 'z'), 0, 0100644u << 16, 8, 4'000'000'000u};
  expect_refused("b5.zip", raw_zip(with(two_classes(), bomb)), 413, "archive_entry_too_large");
  RawEntry dense{"cat/dense.png", std::string(10'000, 'z'), 0, 0100644u << 16, 8, 100'000'000u};
  expect_refused("b5r.zip", raw_zip(with(two_classes(), dense)), 413, "archive_ratio_exceeded");
}

TEST_F(ApiBadInputTest, B7ALyingHeaderIsStoppedWhileInflating) {
  // 16 MiB of zeros announced as 1 KiB: the directory looks harmless, the stream does not.
  std::string zip = lie_about_size(
      shapes_with(scratch_.path(), {{"circle/lie.png", std::string(16 << 20, '\0')}}),
      "circle/lie.png", 1024);
  auto task = wait_status(create_accepted("b7.zip", zip), "FAILED");
  EXPECT_EQ(task["status"], "FAILED");
  EXPECT_NE(task.value("error", "").find("inflates more than"), std::string::npos) << task.dump();
}

TEST_F(ApiBadInputTest, B8NestedArchivesAreNeverOpened) {
  std::string inner = raw_zip(two_classes());
  expect_refused("b8.zip", raw_zip({{"cat/1.png", "x"}, {"cat/2.png", "y"}, {"dog/42.zip", inner}}),
                 400, "need_at_least_2_classes");
  auto task = wait_status(
      create_accepted("b8ok.zip", shapes_with(scratch_.path(), {{"square/42.zip", inner}})),
      "COMPLETED");
  EXPECT_EQ(task["status"], "COMPLETED") << task.dump();
  EXPECT_EQ(task["classes"], (nlohmann::json{"circle", "square"}));
  EXPECT_NE(warnings_of(task).find("ignored 1 files that are not images"), std::string::npos);
}

TEST_F(ApiBadInputTest, B12ClassNamesThatCannotBeLabelsAreRefused) {
  const std::vector<std::string> bad = {"cat\xE2\x80\xAEgnp.exe", std::string(300, 'x'),
                                        "tab\tname"};
  for (const auto& name : bad) {
    std::string body = expect_refused("b12.zip",
                                      raw_zip({{"cat/1.png", "x"},
                                               {"cat/2.png", "x"},
                                               {name + "/1.png", "y"},
                                               {name + "/2.png", "z"}}),
                                      400, "invalid_class_name");
    EXPECT_EQ(body.find("\xE2\x80\xAE"), std::string::npos) << "the override is echoed back";
  }
  std::string csv = "text,label\n";
  for (int i = 0; i < 4; ++i) csv += "a " + std::to_string(i) + ",ok\nb,bad\xE2\x80\xAElabel\n";
  expect_refused("b12.csv", csv, 400, "invalid_label");
  expect_refused("b12d.zip", raw_zip({{"cat/1.png", "x"}, {"../1.png", "y"}}), 400,
                 "archive_path_traversal");
}

TEST_F(ApiBadInputTest, B12DeviceNamesAndDeepPathsAreOnlyLabels) {
  // Class names are labels, never file names: CON trains as CON; a 100-deep path's class is its
  // top folder.
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "d/";
  Files extra;
  for (int i = 0; i < 6; ++i) {
    extra.push_back({"CON/" + std::to_string(i) + ".png", tiny_png()});
    extra.push_back({deep + std::to_string(i) + ".png", tiny_png()});
  }
  auto task =
      wait_status(create_accepted("b12ok.zip", shapes_with(scratch_.path(), extra)), "COMPLETED");
  EXPECT_EQ(task["status"], "COMPLETED") << task.dump();
  EXPECT_EQ(task["classes"], (nlohmann::json{"CON", "circle", "d", "square"}));
  EXPECT_FALSE(std::filesystem::exists(server_->data_dir() / "CON"));
}

TEST_F(ApiBadInputTest, B13MarkupInAClassNameIsKeptVerbatimAsData) {
  const std::string label = "<img src=x onerror=alert(1)>";
  Files extra;
  for (int i = 0; i < 6; ++i) {
    extra.push_back({label + "/" + std::to_string(i) + ".png", tiny_png()});
  }
  std::string id = create_accepted("b13.zip", shapes_with(scratch_.path(), extra));
  auto task = wait_status(id, "COMPLETED");
  ASSERT_EQ(task["status"], "COMPLETED") << task.dump();
  EXPECT_EQ(task["classes"][0], label);
  auto raw = client_->Get("/api/v1/tasks/" + id);
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(raw->get_header_value("X-Content-Type-Options"), "nosniff");
}

TEST_F(ApiBadInputTest, B17ToB20OddFilesAreCountedAndTheRestTrains) {
  ml::data::RgbImage gray{8, 8, std::vector<uint8_t>(8 * 8 * 3, 128)};
  std::string jpeg = ml::testing::encode_jpeg(gray);
  auto task = wait_status(
      create_accepted("odd.zip",
                      shapes_with(scratch_.path(),
                                  {{"circle/evil.jpg", "<html><script>alert(1)</script></html>"},
                                   {"circle/poly.jpg", "\xFF\xD8\xFF\xE0PK\x03\x04junk"},
                                   {"circle/doc.pdf", "%PDF-1.4\n"},
                                   {"circle/pages.tif", std::string("II*\0", 4)},
                                   {"circle/sky.fits", "SIMPLE  =                    T"},
                                   {"square/cut.jpg", jpeg.substr(0, jpeg.size() / 2)},
                                   {"square/one.png", tiny_png()},
                                   {"square/gray.png", ml::testing::encode_png(gray, true)}})),
      "COMPLETED");
  ASSERT_EQ(task["status"], "COMPLETED") << task.dump();
  std::string warnings = warnings_of(task);
  EXPECT_NE(warnings.find("ignored 3 files that are not images"), std::string::npos) << warnings;
  EXPECT_NE(warnings.find("skipped 3 unreadable images"), std::string::npos) << warnings;
  for (const char* name : {"evil.jpg", "poly.jpg", "cut.jpg"}) {
    EXPECT_NE(warnings.find(name), std::string::npos) << name << " in " << warnings;
  }
  EXPECT_EQ(task["dataset"]["class_counts"]["square"], 8);  // 6 shapes + the 1x1 + the gray one
  std::string id = task["id"];
  for (const auto& [bytes, name] : std::vector<std::pair<std::string, std::string>>{
           {"<html>x</html>", "evil.jpg"}, {"%PDF-1.4\n", "a.pdf"}, {"II*\0xxxxxxxx", "a.tif"}}) {
    expect_error(predict_file(id, bytes, name), 415, "image_unsupported");
  }
  auto one = predict_file(id, tiny_png(), "one.png");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->status, 200) << one->body;
  // B18: a few bytes announcing 10^10 pixels, refused from the header alone.
  expect_error(predict_file(id, announced_png(100000, 100000), "bomb.png"), 413, "too_many_pixels");
  // Nothing serves an upload back (so never with an HTML content type).
  auto dataset = client_->Get("/api/v1/tasks/" + id + "/dataset");
  ASSERT_TRUE(dataset);
  EXPECT_EQ(dataset->status, 404);
}

TEST_F(ApiBadInputTest, B18AnImageBombInTheDatasetFailsTheTaskWithItsSize) {
  auto task = wait_status(
      create_accepted("b18.zip", shapes_with(scratch_.path(),
                                             {{"circle/bomb.png", announced_png(100000, 100000)}})),
      "FAILED");
  EXPECT_EQ(task["status"], "FAILED");
  EXPECT_NE(task.value("error", "").find("100000x100000 pixels"), std::string::npos) << task.dump();
}

TEST_F(ApiBadInputTest, B22AChunkedBodyPastTheLimitIs413AndLeavesNothing) {
  const std::string head =
      "--xx\r\nContent-Disposition: form-data; name=\"dataset\"; filename=\"a.zip\"\r\n"
      "Content-Type: application/zip\r\n\r\nPK\x03\x04";
  size_t sent = 0;
  auto res = client_->Post(
      "/api/v1/tasks",
      [&](size_t, httplib::DataSink& sink) {
        if (sent == 0) sink.write(head.data(), head.size());
        std::string chunk(1 << 20, '\0');
        if (sent > (16u << 20) || !sink.write(chunk.data(), chunk.size())) {
          sink.done();
          return true;
        }
        sent += chunk.size();
        return true;
      },
      "multipart/form-data; boundary=xx");
  // The server may close while the client still writes; when it answers, it is a 413.
  if (res) expect_error(res, 413, "payload_too_large");
  EXPECT_EQ(files_under(server_->data_dir() / "uploads"), 0u);
  EXPECT_EQ(files_under(server_->data_dir() / "blobs"), 0u);
  auto health = client_->Get("/api/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

std::string form_part(const std::string& name, const std::string& value,
                      const std::string& filename = "") {
  std::string disposition = "form-data; name=\"" + name + "\"";
  if (!filename.empty()) disposition += "; filename=\"" + filename + "\"";
  return "--xx\r\nContent-Disposition: " + disposition + "\r\n\r\n" + value + "\r\n";
}

TEST_F(ApiBadInputTest, B23AHugeFormFieldIsRefused) {
  std::string body = form_part("options", std::string(2 << 20, 'a')) +
                     form_part("dataset", "text,label\na,b\n", "a.csv") + "--xx--\r\n";
  expect_error(client_->Post("/api/v1/tasks", body, "multipart/form-data; boundary=xx"), 413,
               "field_too_large");
}

TEST_F(ApiBadInputTest, B24MalformedMultipartIs400) {
  for (const char* type : {"multipart/form-data; boundary=", "multipart/form-data"}) {
    expect_error(client_->Post("/api/v1/tasks", "garbage", type), 400, "malformed_multipart");
  }
  expect_error(client_->Post("/api/v1/tasks", "--xx\r\nContent-Disposition: form-data; name=\"d",
                             "multipart/form-data; boundary=xx"),
               400, "malformed_multipart");
  // A long preamble and 100,000 part headers are read and answered, not crashed on.
  std::string csv = form_part("dataset", "text,label\na,b\n", "a.csv") + "--xx--\r\n";
  std::string headers = "--xx\r\n";
  for (int i = 0; i < 100000; ++i) headers += "X-H" + std::to_string(i) + ": v\r\n";
  for (const std::string& body :
       {std::string(4 << 20, 'p') + "\r\n" + csv, headers + csv.substr(6)}) {
    auto res = client_->Post("/api/v1/tasks", body, "multipart/form-data; boundary=xx");
    ASSERT_TRUE(res);
    EXPECT_GE(res->status, 400) << res->body;
    EXPECT_LT(res->status, 500) << res->body;
  }
  // A negative Content-Length, on a raw socket (no client library sends one).
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  std::string request =
      "POST /api/v1/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n"
      "Content-Type: multipart/form-data; boundary=xx\r\n\r\n";
  ASSERT_EQ(::send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  char answer[32] = {};
  ASSERT_GT(::recv(fd, answer, sizeof(answer) - 1, 0), 0);
  ::close(fd);
  EXPECT_TRUE(std::string(answer).starts_with("HTTP/1.1 400 ")) << answer;
}

TEST_F(ApiBadInputTest, B26FormulaCellsAreStoredVerbatim) {
  std::string csv = "text,label\n";
  for (int i = 0; i < 12; ++i) {
    csv += "good happy fine " + std::to_string(i) + ",\"=HYPERLINK(\"\"http://x\"\")\"\n";
    csv += "@SUM(A1) bad sad " + std::to_string(i) + ",+cmd\n";
  }
  std::string id = create_accepted("b26.csv", csv, R"({"epochs": 2})");
  auto task = wait_status(id, "COMPLETED");
  ASSERT_EQ(task["status"], "COMPLETED") << task.dump();
  EXPECT_EQ(task["classes"], (nlohmann::json{"+cmd", "=HYPERLINK(\"http://x\")"}));
  auto res = client_->Post("/api/v1/tasks/" + id + "/predict", R"({"texts": ["-1+2"]})",
                           "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  std::string label = nlohmann::json::parse(res->body)["predictions"][0]["label"];
  EXPECT_TRUE(label == "+cmd" || label == "=HYPERLINK(\"http://x\")") << label;
}

TEST_F(ApiBadInputTest, B33AndB34PredictRequestsOutsideTheContract) {
  std::string csv = "text,label\n";
  for (int i = 0; i < 10; ++i)
    csv += "red " + std::to_string(i) + ",r\nblue " + std::to_string(i) + ",b\n";
  std::string text_id = create_accepted("t.csv", csv, R"({"epochs": 1})");
  std::string image_id = create_accepted("i.zip", shapes_with(scratch_.path(), {}));
  for (const auto& id : {text_id, image_id})
    ASSERT_EQ(wait_status(id, "COMPLETED")["status"], "COMPLETED");
  httplib::MultipartFormDataItems many;
  for (int i = 0; i < 10000; ++i) many.push_back({"file", tiny_png(), "p.png", "image/png"});
  expect_error(client_->Post("/api/v1/tasks/" + image_id + "/predict", many), 413,
               "too_many_items");
  std::string path = "/api/v1/tasks/" + text_id + "/predict";
  for (const char* body : {R"({})", R"({"text": "red"})", R"({"texts": "red"})", R"([1])"}) {
    auto res = client_->Post(path, body, "application/json");
    expect_error(res, 422, "invalid_body");
    EXPECT_NE(res->body.find("'texts'"), std::string::npos) << res->body;
  }
  auto typed = client_->Post(path, R"({"texts": ["red", 2]})", "application/json");
  expect_error(typed, 422, "invalid_body");
  EXPECT_NE(typed->body.find("texts[1] is number"), std::string::npos) << typed->body;
  expect_error(client_->Post(path, "not json", "application/json"), 400, "invalid_body");
}

// A loopback listener that counts the connections made to it.
class Listener {
 public:
  Listener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 16);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~Listener() { ::close(fd_); }
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;
  int port() const { return port_; }
  int accepted() {
    int count = 0;
    for (int client = ::accept(fd_, nullptr, nullptr); client >= 0;
         client = ::accept(fd_, nullptr, nullptr)) {
      ::close(client);
      ++count;
    }
    return count;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST_F(ApiBadInputTest, B35UrlsInEveryStringFieldAreNeverFetched) {
  Listener listener;
  const std::string url = "http://127.0.0.1:" + std::to_string(listener.port()) + "/x";
  std::string csv = "text,label\n";
  for (int i = 0; i < 10; ++i)
    csv += url + " red " + std::to_string(i) + ",r\nblue " + std::to_string(i) + ",b\n";
  const std::vector<std::string> all_options = {
      R"({"label_column": ")" + url + R"("})", R"({"backbone": ")" + url + R"("})",
      R"({"text_column": "file:///etc/passwd"})", R"({"name": "gopher://127.0.0.1/"})"};
  for (const std::string& options : all_options) {
    auto res = create_task(*client_, "u.csv", csv, {{"options", options}});
    ASSERT_TRUE(res);
    EXPECT_TRUE(res->status == 202 || (res->status >= 400 && res->status < 500)) << res->body;
  }
  std::string id = create_accepted(url + ".csv", csv, R"({"epochs": 1})");
  ASSERT_EQ(wait_status(id, "COMPLETED")["status"], "COMPLETED");
  auto res = client_->Post("/api/v1/tasks/" + id + "/predict",
                           R"({"texts": [")" + url + R"(", "http://169.254.169.254/"]})",
                           "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(listener.accepted(), 0);
}

TEST_F(ApiBadInputTest, B37TheDownloadNameIsTheServers) {
  std::string csv = "text,label\n";
  for (int i = 0; i < 10; ++i)
    csv += "red " + std::to_string(i) + ",r\nblue " + std::to_string(i) + ",b\n";
  // The name goes into the part's own header: a CR LF in it ends that header early, so the
  // server sees a name without it (or refuses the part); never a header of the response.
  auto created =
      create_task(*client_, "a\"\r\nSet-Cookie: x=1.csv", csv, {{"options", R"({"epochs": 1})"}});
  ASSERT_TRUE(created);
  ASSERT_FALSE(created->has_header("Set-Cookie"));
  if (created->status != 202) {
    expect_error(created, 400, "malformed_multipart");
    return;
  }
  std::string id = nlohmann::json::parse(created->body)["id"];
  ASSERT_EQ(wait_status(id, "COMPLETED")["status"], "COMPLETED");
  auto model = client_->Get("/api/v1/tasks/" + id + "/model");
  ASSERT_TRUE(model);
  ASSERT_EQ(model->status, 200);
  EXPECT_FALSE(model->has_header("Set-Cookie"));
  EXPECT_EQ(model->get_header_value("Content-Disposition"),
            "attachment; filename=\"trainbox-" + id + ".zip\"");
}

}  // namespace
}  // namespace trainbox::testing
