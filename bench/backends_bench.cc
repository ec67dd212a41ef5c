// The scale-out backends side by side with the embedded ones (issue 13):
//  - GET /tasks/{id} latency of a real `trainbox serve --workers 0` on SQLite, then on PostgreSQL;
//  - dataset upload (put_file) and download (get_file) throughput of the file BlobStore, then of
//    the S3 BlobStore against s3rver on loopback.
// Starts PostgreSQL and s3rver with tests/servers/*.sh in a scratch folder and stops them after.
//
//   build/bench/backends_bench [requests=500] [megabytes=256]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

#include "ml/testing/image_fixtures.h"
#include "storage/blob_store.h"
#include "tests/support/server_process.h"
#include "util/fs.h"

namespace {
namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

bool run_server_script(const std::string& name, const std::string& action, const fsys::path& dir) {
  std::string command = "bash " + std::string(TRAINBOX_SOURCE_TREE) + "/tests/servers/" + name +
                        ".sh " + action + " " + dir.string() + " > /dev/null";
  return std::system(command.c_str()) == 0;
}

std::string read_line(const fsys::path& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

void measure_api(const char* label, const fsys::path& data_dir, std::vector<std::string> args,
                 int requests, const fsys::path& zip) {
  args.insert(args.begin(), {"--workers", "0"});  // the task stays QUEUED: no training noise
  trainbox::testing::ServerProcess server(data_dir, args);
  if (!server.start()) {
    std::fprintf(stderr, "%s: server did not start\n", label);
    return;
  }
  auto client = server.client();
  auto created =
      trainbox::testing::create_task(*client, "shapes.zip", trainbox::read_file(zip).value());
  if (!created || created->status != 202) return;
  std::string path =
      "/api/v1/tasks/" + nlohmann::json::parse(created->body)["id"].get<std::string>();
  std::vector<double> millis;
  for (int i = 0; i < requests; ++i) {
    auto started = Clock::now();
    auto res = client->Get(path);
    millis.push_back(seconds_since(started) * 1000);
    if (!res || res->status != 200) std::fprintf(stderr, "%s: request failed\n", label);
  }
  std::sort(millis.begin(), millis.end());
  std::printf("GET /tasks/{id} %-12s p50 %6.2f ms   p99 %6.2f ms   (%d requests)\n", label,
              millis[millis.size() / 2], millis[millis.size() * 99 / 100], requests);
}

void measure_blobs(const char* label, const std::string& url, const fsys::path& source,
                   const fsys::path& scratch, int megabytes) {
  auto store = trainbox::storage::open_blob_store(url);
  if (!store) {
    std::fprintf(stderr, "%s: %s\n", label, store.error().message.c_str());
    return;
  }
  auto started = Clock::now();
  auto put = (*store)->put_file("tasks/bench/dataset.zip", source);
  double put_s = seconds_since(started);
  started = Clock::now();
  auto got = (*store)->get_file("tasks/bench/dataset.zip", scratch / "downloaded.zip");
  double get_s = seconds_since(started);
  if (!put || !got) {
    std::fprintf(stderr, "%s: transfer failed\n", label);
    return;
  }
  std::printf("%-6s %d MB   upload %7.1f MB/s   download %7.1f MB/s\n", label, megabytes,
              megabytes / put_s, megabytes / get_s);
  (void)(*store)->remove_prefix("tasks/bench/");
}

fsys::path random_file(const fsys::path& dir, int megabytes) {
  fsys::path path = dir / "dataset.bin";
  std::ofstream out(path, std::ios::binary);
  std::mt19937_64 random(7);
  std::vector<uint64_t> block(1 << 17);  // 1 MB
  for (int i = 0; i < megabytes; ++i) {
    for (auto& word : block) word = random();
    out.write(reinterpret_cast<const char*>(block.data()),
              static_cast<std::streamsize>(block.size() * 8));
  }
  return path;
}

}  // namespace

int main(int argc, char** argv) {
  int requests = argc > 1 ? std::atoi(argv[1]) : 500;
  int megabytes = argc > 2 ? std::atoi(argv[2]) : 256;
  trainbox::TempDir scratch(fsys::temp_directory_path(), "backends-bench");
  fsys::path servers = scratch.path() / "servers";
  if (!run_server_script("postgres", "start", servers) ||
      !run_server_script("s3", "start", servers)) {
    std::fprintf(stderr, "could not start PostgreSQL or s3rver (tests/servers/*.sh)\n");
    return 1;
  }
  auto zip = scratch.path() / "shapes.zip";
  trainbox::ml::testing::write_zip(zip, trainbox::ml::testing::shape_files(3, 10, 32));
  measure_api("sqlite", scratch.path() / "sqlite", {}, requests, zip);
  measure_api("postgresql", scratch.path() / "pg",
              {"--database-url", read_line(servers / "postgres.url")}, requests, zip);

  ::setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
  ::setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
  fsys::path source = random_file(scratch.path(), megabytes);
  std::string s3 = read_line(servers / "s3.url");
  s3.insert(s3.find('?'), "/bench");
  measure_blobs("file", "file://" + (scratch.path() / "blobs").string(), source, scratch.path(),
                megabytes);
  measure_blobs("s3", s3, source, scratch.path(), megabytes);
  run_server_script("s3", "stop", servers);
  run_server_script("postgres", "stop", servers);
  return 0;
}
