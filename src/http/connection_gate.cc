#include "http/connection_gate.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstring>
#include <string_view>

#include "util/log.h"

namespace trainbox::http {

struct ConnectionGate::Connection {
  Connection(int fd, const GateLimits& limits, std::atomic<size_t>& open)
      : stream(fd, limits.read_timeout, limits.write_timeout), open_count(open) {
    open_count.fetch_add(1);
  }
  ~Connection() { open_count.fetch_sub(1); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  int fd() const { return stream.socket(); }

  SocketStream stream;
  std::atomic<size_t>& open_count;
  Clock::time_point deadline = Clock::now();
  bool idle = false;      // parked between keep-alive requests, no byte of the next one yet
  bool draining = false;  // answered by the gate; reading what is left until the peer closes
  bool busy = false;      // to be refused as soon as it is watched
  int served = 0;
};

namespace {

constexpr size_t kPeekBytes = 16 << 10;  // a head larger than this goes to a worker as it is

bool head_complete(std::string_view bytes) {
  return bytes.find("\r\n\r\n") != std::string_view::npos || bytes.size() >= kPeekBytes;
}

}  // namespace

ConnectionGate::ConnectionGate(GateLimits limits, Serve serve)
    : limits_(std::move(limits)), serve_(std::move(serve)) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  gate_thread_ = std::thread([this] { gate_loop(); });
  for (int i = 0; i < std::max(1, limits_.threads); ++i) {
    workers_.emplace_back([this] { worker_loop(); });
  }
}

ConnectionGate::~ConnectionGate() {
  stop();
  ::close(epoll_fd_);
  ::close(wake_fd_);
}

void ConnectionGate::stop() {
  if (stopping_.exchange(true)) return;
  uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof(one));
  ready_cv_.notify_all();
  gate_thread_.join();
  for (auto& worker : workers_) worker.join();
  std::lock_guard lock(mutex_);
  inbox_.clear();
  ready_.clear();
}

void ConnectionGate::admit(int fd) {
  auto connection = std::make_unique<Connection>(fd, limits_, open_);
  connection->deadline = Clock::now() + limits_.header_timeout;
  connection->busy = open_.load() > limits_.max_connections;
  hand_in(std::move(connection));
}

void ConnectionGate::hand_in(ConnectionPtr connection) {
  if (stopping_) return;  // dropping it closes the socket
  {
    std::lock_guard lock(mutex_);
    inbox_.push_back(std::move(connection));
  }
  uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof(one));
}

void ConnectionGate::gate_loop() {
  std::array<epoll_event, 256> events{};
  auto last_sweep = Clock::now();
  while (!stopping_) {
    int count = ::epoll_wait(epoll_fd_, events.data(), events.size(), 100);
    for (int i = 0; i < count; ++i) {
      if (events[i].data.fd == wake_fd_) {
        take_inbox();
      } else {
        on_readable(events[i].data.fd, events[i].events);
      }
    }
    if (Clock::now() - last_sweep >= std::chrono::milliseconds(100)) {
      sweep();
      last_sweep = Clock::now();
    }
  }
  waiting_.clear();
}

void ConnectionGate::take_inbox() {
  uint64_t counter = 0;
  [[maybe_unused]] auto got = ::read(wake_fd_, &counter, sizeof(counter));
  std::vector<ConnectionPtr> inbox;
  {
    std::lock_guard lock(mutex_);
    inbox.swap(inbox_);
  }
  for (auto& connection : inbox) {
    int fd = connection->fd();
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP;
    event.data.fd = fd;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) != 0) continue;  // closes it
    bool busy = connection->busy;
    waiting_[fd] = std::move(connection);
    if (busy) refuse(*waiting_[fd], limits_.busy_response);
  }
}

void ConnectionGate::on_readable(int fd, uint32_t events) {
  auto it = waiting_.find(fd);
  if (it == waiting_.end()) return;
  auto& connection = *it->second;
  static thread_local std::array<char, kPeekBytes> scratch;
  if (connection.draining) {
    ssize_t got = ::recv(fd, scratch.data(), scratch.size(), MSG_DONTWAIT);
    if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) close_waiting(fd);
    return;
  }
  ssize_t got = ::recv(fd, scratch.data(), scratch.size(), MSG_PEEK | MSG_DONTWAIT);
  if (got == 0 || (got < 0 && errno != EAGAIN && errno != EINTR)) return close_waiting(fd);
  if (got < 0) return;
  if (connection.idle) {  // the first byte of the next request starts its head deadline
    connection.idle = false;
    connection.deadline = Clock::now() + limits_.header_timeout;
  }
  bool peer_done = (events & (EPOLLRDHUP | EPOLLHUP)) != 0;  // nothing more will come
  if (peer_done || head_complete(std::string_view(scratch.data(), static_cast<size_t>(got)))) {
    dispatch(fd);
  }
}

void ConnectionGate::dispatch(int fd) {
  auto it = waiting_.find(fd);
  std::unique_lock lock(mutex_);
  if (size_t queued = ready_.size(); queued >= limits_.max_queued) {
    lock.unlock();
    TRAINBOX_LOG_WARN("all {} HTTP threads busy and {} requests queued: answering 503",
                      limits_.threads, queued);
    return refuse(*it->second, limits_.busy_response);
  }
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  ready_.push_back(std::move(it->second));
  lock.unlock();
  waiting_.erase(it);
  ready_cv_.notify_one();
}

// Answers without reading the request, then half-closes and drains what the peer still sends:
// closing with unread bytes would reset the connection and lose the answer.
void ConnectionGate::refuse(Connection& connection, const std::string& response) {
  ::send(connection.fd(), response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  ::shutdown(connection.fd(), SHUT_WR);
  connection.draining = true;
  connection.deadline = Clock::now() + std::chrono::seconds(2);
}

void ConnectionGate::sweep() {
  auto now = Clock::now();
  std::vector<int> expired;
  for (auto& [fd, connection] : waiting_) {
    if (connection->deadline > now) continue;
    if (connection->draining || connection->idle) {
      expired.push_back(fd);
    } else {
      refuse(*connection, limits_.timeout_response);
    }
  }
  for (int fd : expired) close_waiting(fd);
}

void ConnectionGate::close_waiting(int fd) {
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  waiting_.erase(fd);
}

void ConnectionGate::worker_loop() {
  for (;;) {
    ConnectionPtr connection;
    {
      std::unique_lock lock(mutex_);
      ready_cv_.wait(lock, [&] { return stopping_ || !ready_.empty(); });
      if (stopping_) return;
      connection = std::move(ready_.front());
      ready_.pop_front();
    }
    serve_connection(std::move(connection));
  }
}

void ConnectionGate::serve_connection(ConnectionPtr connection) {
  for (;;) {
    connection->stream.set_deadline(connection->deadline);
    bool last = ++connection->served >= limits_.keep_alive_max || stopping_;
    bool keep = false;
    try {
      keep = serve_(connection->stream, last);
    } catch (const std::exception& e) {
      TRAINBOX_LOG_ERROR("HTTP connection failed: {}", e.what());
    }
    if (!keep || last || stopping_) return;  // closes it
    connection->deadline = Clock::now() + limits_.header_timeout;
    if (!connection->stream.has_buffered()) break;  // else a pipelined request is already here
  }
  connection->idle = true;
  connection->deadline = Clock::now() + limits_.keep_alive_timeout;
  hand_in(std::move(connection));
}

}  // namespace trainbox::http
