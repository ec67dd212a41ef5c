// API latency while a training runs, side by side with an idle server.
// Starts the real `trainbox serve` (TRAINBOX_BINARY or build/trainbox) on a free port, measures
// GET /health and GET /tasks/{id} with the server idle, then again while a long image training
// uses every core. Prints p50 / p99 / max in milliseconds for each, and the API process's memory
// (RSS and peak) at start and at the end.
//
//   build/bench/api_latency_bench [requests=300]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include "ml/testing/image_fixtures.h"
#include "tests/support/server_process.h"
#include "util/fs.h"

namespace {
using trainbox::testing::ServerProcess;

struct Figures {
  double p50, p99, max;
};

Figures measure(httplib::Client& client, const std::string& path, int requests) {
  std::vector<double> millis;
  for (int i = 0; i < requests; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto res = client.Get(path);
    millis.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
            .count());
    if (!res || res->status != 200) std::fprintf(stderr, "request failed: %s\n", path.c_str());
  }
  std::sort(millis.begin(), millis.end());
  return {millis[millis.size() / 2], millis[millis.size() * 99 / 100], millis.back()};
}

// The server process's resident and peak resident memory (VmRSS, VmHWM of /proc), in MB: the
// API process only; trainings run in child processes of their own.
void print_memory(const char* label, pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  double rss = 0, peak = 0;
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with("VmRSS:")) rss = std::atof(line.c_str() + 6) / 1024;
    if (line.starts_with("VmHWM:")) peak = std::atof(line.c_str() + 6) / 1024;
  }
  std::printf("%-34s RSS %6.1f MB   peak %6.1f MB\n", label, rss, peak);
}

void print(const char* label, const Figures& f) {
  std::printf("%-34s p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms\n", label, f.p50, f.p99, f.max);
}

}  // namespace

int main(int argc, char** argv) {
  int requests = argc > 1 ? std::atoi(argv[1]) : 300;
  trainbox::TempDir scratch(std::filesystem::temp_directory_path(), "api-bench");
  ServerProcess server(scratch.path() / "data");
  if (!server.start()) {
    std::fprintf(stderr, "server did not start\n");
    return 1;
  }
  auto client = server.client();
  print_memory("server memory, started", server.pid());
  print("idle: GET /health", measure(*client, "/api/v1/health", requests));
  auto zip = scratch.path() / "shapes.zip";
  trainbox::ml::testing::write_zip(zip, trainbox::ml::testing::shape_files(4, 100, 64));
  auto created =
      trainbox::testing::create_task(*client, "shapes.zip", trainbox::read_file(zip).value(),
                                     {{"options", R"({"epochs": 500, "time_budget_s": 600})"}});
  if (!created || created->status != 202) return 1;
  std::string id = nlohmann::json::parse(created->body)["id"];

  trainbox::testing::wait_for_task(
      *client, id,
      [](const nlohmann::json& task) {
        return task["progress"].value("phase", "") == "training" ||
               trainbox::testing::is_terminal_status(task);
      },
      std::chrono::seconds(120));
  print("training: GET /health", measure(*client, "/api/v1/health", requests));
  print("training: GET /tasks/{id}", measure(*client, "/api/v1/tasks/" + id, requests));
  client->Post("/api/v1/tasks/" + id + "/cancel", "", "text/plain");
  trainbox::testing::wait_for_task(*client, id, trainbox::testing::is_terminal_status,
                                   std::chrono::seconds(30));
  print("idle after: GET /tasks/{id}", measure(*client, "/api/v1/tasks/" + id, requests));
  print_memory("server memory, after", server.pid());
  return 0;
}
