#pragma once
// A child process with its stdout on a pipe we read line by line and its stderr in a log file.
// The child dies with its parent (PR_SET_PDEATHSIG), so a killed server leaves no orphan training.
// Not thread-safe: one supervisor thread owns a ChildProcess.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "util/result.h"

namespace trainbox::jobs {

struct ExitStatus {
  bool exited = false;  // normal exit, see code
  int code = 0;
  int signal = 0;  // when killed by a signal
};
std::string describe(const ExitStatus& status);  // "exit code 2", "signal 9 (SIGKILL)"

struct SpawnOptions {
  std::vector<std::string> argv;     // argv[0] is the executable path
  std::filesystem::path stderr_log;  // the child's stderr goes here
  uint64_t memory_limit_bytes = 0;   // RLIMIT_AS; 0 = none
};

class ChildProcess {
 public:
  static Result<ChildProcess> spawn(const SpawnOptions& options);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&&) = delete;
  ChildProcess(const ChildProcess&) = delete;
  ~ChildProcess();  // kills and reaps a child still running

  pid_t pid() const { return pid_; }
  // Next complete stdout line; nullopt after `wait` without one (or at end of output: check eof()).
  std::optional<std::string> read_line(std::chrono::milliseconds wait);
  bool eof() const { return eof_; }
  void signal(int signal_number);
  // Non-blocking: the exit status once the child has ended.
  std::optional<ExitStatus> try_wait();
  ExitStatus wait();

 private:
  ChildProcess(pid_t pid, int stdout_fd) : pid_(pid), stdout_fd_(stdout_fd) {}
  bool fill_buffer(std::chrono::milliseconds wait);

  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  bool eof_ = false;
  std::string buffer_;
  std::optional<ExitStatus> exit_;
};

}  // namespace trainbox::jobs
