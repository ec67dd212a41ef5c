#include "http/socket_stream.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace trainbox::http {
namespace {

bool poll_for(int fd, short events, int timeout_ms) {
  pollfd item{fd, events, 0};
  int ready = 0;
  do {
    ready = ::poll(&item, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  return ready > 0 && (item.revents & (events | POLLHUP | POLLERR)) != 0;
}

void address_of(const sockaddr_storage& addr, std::string& ip, int& port) {
  char text[INET6_ADDRSTRLEN] = {};
  if (addr.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(addr);
    ::inet_ntop(AF_INET, &v4.sin_addr, text, sizeof(text));
    port = ntohs(v4.sin_port);
  } else if (addr.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(addr);
    ::inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof(text));
    port = ntohs(v6.sin6_port);
  }
  ip = text;
}

}  // namespace

SocketStream::SocketStream(int fd, std::chrono::milliseconds read_timeout,
                           std::chrono::milliseconds write_timeout)
    : fd_(fd), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

SocketStream::~SocketStream() {
  if (fd_ < 0) return;
  ::shutdown(fd_, SHUT_RDWR);
  ::close(fd_);
}

int SocketStream::release() {
  int fd = fd_;
  fd_ = -1;
  return fd;
}

// Milliseconds to wait: the timeout, cut to what is left before the deadline (0 once past it).
int SocketStream::wait_ms(std::chrono::milliseconds timeout) const {
  auto now = Clock::now();
  if (deadline_ != Clock::time_point::max()) {
    if (now >= deadline_) return 0;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - now);
    timeout = std::min(timeout, left + std::chrono::milliseconds(1));
  }
  return static_cast<int>(timeout.count());
}

bool SocketStream::is_readable() const {
  if (has_buffered()) return true;
  int timeout = wait_ms(read_timeout_);
  return timeout > 0 && poll_for(fd_, POLLIN, timeout);
}

bool SocketStream::is_writable() const {
  if (!poll_for(fd_, POLLOUT, static_cast<int>(write_timeout_.count()))) return false;
  char byte = 0;  // a peer that closed reads as 0 bytes
  return ::recv(fd_, &byte, 1, MSG_PEEK | MSG_DONTWAIT) != 0;
}

ssize_t SocketStream::read(char* ptr, size_t size) {
  if (!has_buffered()) {
    if (!is_readable()) {
      too_slow_ = min_rate_ > 0 && Clock::now() >= deadline_;
      return -1;
    }
    ssize_t got = 0;
    do {
      got = ::recv(fd_, buffer_.data(), buffer_.size(), 0);
    } while (got < 0 && errno == EINTR);
    if (got <= 0) return got;
    begin_ = 0;
    end_ = static_cast<size_t>(got);
  }
  size_t n = std::min(size, end_ - begin_);
  std::memcpy(ptr, buffer_.data() + begin_, n);
  begin_ += n;
  if (min_rate_ > 0) {
    rate_bytes_ += n;
    deadline_ = rate_start_ + std::chrono::milliseconds(rate_bytes_ * 1000 / min_rate_);
  }
  return static_cast<ssize_t>(n);
}

ssize_t SocketStream::write(const char* ptr, size_t size) {
  if (!poll_for(fd_, POLLOUT, static_cast<int>(write_timeout_.count()))) return -1;
  ssize_t sent = 0;
  do {
    sent = ::send(fd_, ptr, size, MSG_NOSIGNAL);
  } while (sent < 0 && errno == EINTR);
  return sent;
}

void SocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t length = sizeof(addr);
  if (::getpeername(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    address_of(addr, ip, port);
  }
}

void SocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage addr{};
  socklen_t length = sizeof(addr);
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    address_of(addr, ip, port);
  }
}

}  // namespace trainbox::http
