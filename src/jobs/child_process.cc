// fork + exec from a multi-threaded server: everything the child needs (argv, paths) is prepared
// before fork, and between fork and exec the child calls only async-signal-safe functions.

#include "jobs/child_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

namespace trainbox::jobs {

std::string describe(const ExitStatus& status) {
  if (status.exited) return fmt::format("exit code {}", status.code);
  const char* name = sigabbrev_np(status.signal);
  return fmt::format("signal {} (SIG{})", status.signal, name ? name : "?");
}

namespace {

ExitStatus from_wait_status(int raw) {
  ExitStatus status;
  if (WIFEXITED(raw)) {
    status.exited = true;
    status.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    status.signal = WTERMSIG(raw);
  }
  return status;
}

[[noreturn]] void exec_child(const std::vector<char*>& argv, int stdout_write, int log_fd,
                             pid_t parent, uint64_t memory_limit) {
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);  // the server blocks SIGTERM in its threads
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(127);  // the parent died before prctl took effect
  ::setpgid(0, 0);                          // its own group: signals reach its helpers too
  ::dup2(stdout_write, STDOUT_FILENO);
  if (log_fd >= 0) ::dup2(log_fd, STDERR_FILENO);
  int devnull = ::open("/dev/null", O_RDONLY);
  if (devnull >= 0) ::dup2(devnull, STDIN_FILENO);
  if (memory_limit > 0) {
    struct rlimit limit = {memory_limit, memory_limit};
    ::setrlimit(RLIMIT_AS, &limit);
  }
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

}  // namespace

Result<ChildProcess> ChildProcess::spawn(const SpawnOptions& options) {
  std::vector<std::string> args = options.argv;
  std::vector<char*> argv;
  argv.reserve(args.size() + 1);
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return fail(ErrorCode::kInternal, "spawn_failed", fmt::format("pipe: {}", strerror(errno)));
  }
  int log_fd = ::open(options.stderr_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
  if (pid < 0) {
    int saved = errno;
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    if (log_fd >= 0) ::close(log_fd);
    return fail(ErrorCode::kUnavailable, "spawn_failed", fmt::format("fork: {}", strerror(saved)));
  }
  if (pid == 0) exec_child(argv, pipe_fds[1], log_fd, parent, options.memory_limit_bytes);
  ::close(pipe_fds[1]);
  if (log_fd >= 0) ::close(log_fd);
  return ChildProcess(pid, pipe_fds[0]);
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(other.pid_),
      stdout_fd_(other.stdout_fd_),
      eof_(other.eof_),
      buffer_(std::move(other.buffer_)),
      exit_(other.exit_) {
  other.pid_ = -1;
  other.stdout_fd_ = -1;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_) {
    if (::kill(-pid_, SIGKILL) != 0) ::kill(pid_, SIGKILL);
    wait();
  }
  if (stdout_fd_ >= 0) ::close(stdout_fd_);
}

bool ChildProcess::fill_buffer(std::chrono::milliseconds wait) {
  if (eof_) return false;
  struct pollfd poll_fd = {stdout_fd_, POLLIN, 0};
  int ready = ::poll(&poll_fd, 1, static_cast<int>(wait.count()));
  if (ready <= 0) return false;
  char chunk[8192];
  ssize_t got = ::read(stdout_fd_, chunk, sizeof(chunk));
  if (got <= 0) {
    if (got == 0 || errno != EINTR) eof_ = true;
    return false;
  }
  buffer_.append(chunk, static_cast<size_t>(got));
  return true;
}

std::optional<std::string> ChildProcess::read_line(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (eof_ || left.count() <= 0) return std::nullopt;
    fill_buffer(left);
  }
}

void ChildProcess::signal(int signal_number) {
  // The whole group (the child called setpgid), so its helpers stop too; the child alone when
  // the signal comes before its setpgid.
  if (pid_ > 0 && !exit_ && ::kill(-pid_, signal_number) != 0) ::kill(pid_, signal_number);
}

std::optional<ExitStatus> ChildProcess::try_wait() {
  if (exit_ || pid_ <= 0) return exit_;
  int raw = 0;
  pid_t done = ::waitpid(pid_, &raw, WNOHANG);
  if (done == pid_) exit_ = from_wait_status(raw);
  return exit_;
}

ExitStatus ChildProcess::wait() {
  while (!exit_ && pid_ > 0) {
    int raw = 0;
    pid_t done = ::waitpid(pid_, &raw, 0);
    if (done == pid_) {
      exit_ = from_wait_status(raw);
    } else if (done < 0 && errno != EINTR) {
      exit_ = ExitStatus{};
    }
  }
  return exit_.value_or(ExitStatus{});
}

}  // namespace trainbox::jobs
