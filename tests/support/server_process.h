#pragma once
// Runs the real `trainbox serve` binary on a free loopback port with its own data dir, for
// black-box tests over HTTP. The process dies with the test (PDEATHSIG).

#include <httplib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "jobs/child_process.h"

namespace trainbox::testing {

std::filesystem::path trainbox_binary();  // $TRAINBOX_BINARY, set by CTest

class ServerProcess {
 public:
  // Runs without accounts (--auth none) unless `extra_args` has an --auth of its own.
  ServerProcess(std::filesystem::path data_dir, std::vector<std::string> extra_args = {});
  ~ServerProcess();

  bool start();      // waits until it listens and /health answers
  void kill_hard();  // SIGKILL, then reap
  void stop();       // SIGTERM, then reap
  int port() const { return port_; }
  pid_t pid() const;
  std::unique_ptr<httplib::Client> client() const;
  const std::filesystem::path& data_dir() const { return data_dir_; }
  // The server's next line on stdout after "listening on ..." (e.g. the first-start sign-in link).
  std::optional<std::string> read_line(std::chrono::seconds timeout);

 private:
  std::filesystem::path data_dir_;
  std::vector<std::string> extra_args_;
  std::optional<jobs::ChildProcess> process_;
  int port_ = 0;
};

// Child processes of `pid` (from /proc), e.g. the training child of a server.
std::vector<pid_t> child_pids(pid_t pid);

// GET a task until `done(task)` or the timeout; returns the last task seen.
nlohmann::json wait_for_task(httplib::Client& client, const std::string& id,
                             const std::function<bool(const nlohmann::json&)>& done,
                             std::chrono::seconds timeout);
bool is_terminal_status(const nlohmann::json& task);

// Runs a shell command and returns what it wrote on stdout (e.g. `trainbox predict --json`).
std::string run_and_capture(const std::string& command);

// POST /api/v1/tasks with a dataset file (and optional form fields).
httplib::Result create_task(httplib::Client& client, const std::string& filename,
                            const std::string& content,
                            const std::vector<std::pair<std::string, std::string>>& fields = {});

}  // namespace trainbox::testing
