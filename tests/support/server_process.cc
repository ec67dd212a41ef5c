#include "tests/support/server_process.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

namespace trainbox::testing {
namespace fsys = std::filesystem;

fsys::path trainbox_binary() {
  const char* path = std::getenv("TRAINBOX_BINARY");
  return path ? fsys::path(path) : fsys::path("build/trainbox");
}

ServerProcess::ServerProcess(fsys::path data_dir, std::vector<std::string> extra_args)
    : data_dir_(std::move(data_dir)), extra_args_(std::move(extra_args)) {}

ServerProcess::~ServerProcess() { stop(); }

bool ServerProcess::start() {
  jobs::SpawnOptions options;
  options.argv = {
      trainbox_binary().string(), "serve",      "--host",          "127.0.0.1", "--port",
      std::to_string(port_),      "--data-dir", data_dir_.string()};
  options.argv.insert(options.argv.end(), extra_args_.begin(), extra_args_.end());
  // Suites about other things run without accounts; the accounts suites pass --auth tokens.
  if (std::find(extra_args_.begin(), extra_args_.end(), "--auth") == extra_args_.end()) {
    options.argv.insert(options.argv.end(), {"--auth", "none"});
  }
  fsys::create_directories(data_dir_);
  options.stderr_log = data_dir_ / "server.log";
  auto spawned = jobs::ChildProcess::spawn(options);
  if (!spawned) return false;
  process_.emplace(std::move(*spawned));
  auto line = process_->read_line(std::chrono::seconds(60));
  const std::string marker = "listening on http://127.0.0.1:";
  if (!line || line->find(marker) == std::string::npos) return false;
  port_ = std::stoi(line->substr(line->find(marker) + marker.size()));
  auto http = client();
  for (int i = 0; i < 100; ++i) {
    if (auto res = http->Get("/api/v1/health"); res && res->status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

std::optional<std::string> ServerProcess::read_line(std::chrono::seconds timeout) {
  if (!process_) return std::nullopt;
  return process_->read_line(timeout);
}

pid_t ServerProcess::pid() const { return process_ ? process_->pid() : -1; }

void ServerProcess::kill_hard() {
  if (!process_) return;
  process_->signal(SIGKILL);
  process_->wait();
  process_.reset();
}

void ServerProcess::stop() {
  if (!process_) return;
  process_->signal(SIGTERM);
  process_->wait();
  process_.reset();
}

std::unique_ptr<httplib::Client> ServerProcess::client() const {
  auto http = std::make_unique<httplib::Client>("127.0.0.1", port_);
  http->set_read_timeout(60);
  http->set_connection_timeout(5);
  return http;
}

std::vector<pid_t> child_pids(pid_t pid) {
  std::vector<pid_t> children;
  fsys::path tasks = fsys::path("/proc") / std::to_string(pid) / "task";
  std::error_code error;
  for (const auto& thread : fsys::directory_iterator(tasks, error)) {
    std::ifstream in(thread.path() / "children");
    for (pid_t child; in >> child;) children.push_back(child);
  }
  return children;
}

bool is_terminal_status(const nlohmann::json& task) {
  std::string status = task.value("status", "");
  return status == "COMPLETED" || status == "FAILED" || status == "CANCELLED";
}

nlohmann::json wait_for_task(httplib::Client& client, const std::string& id,
                             const std::function<bool(const nlohmann::json&)>& done,
                             std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  nlohmann::json task;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto res = client.Get("/api/v1/tasks/" + id); res && res->status == 200) {
      task = nlohmann::json::parse(res->body);
      if (done(task)) return task;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return task;
}

httplib::Result create_task(httplib::Client& client, const std::string& filename,
                            const std::string& content,
                            const std::vector<std::pair<std::string, std::string>>& fields) {
  httplib::MultipartFormDataItems items = {
      {"dataset", content, filename, "application/octet-stream"}};
  for (const auto& [name, value] : fields) items.push_back({name, value, "", ""});
  return client.Post("/api/v1/tasks", items);
}

std::string run_and_capture(const std::string& command) {
  std::string out;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return out;
  char buffer[4096];
  for (size_t got; (got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, got);
  ::pclose(pipe);
  return out;
}

}  // namespace trainbox::testing
