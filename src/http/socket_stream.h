#pragma once
// The httplib::Stream the connection gate hands to httplib's request parser: a buffered socket
// whose reads wait at most `read_timeout` each and never past a deadline (the header deadline
// while the request head is read, a longer one for the body), and whose writes wait at most
// `write_timeout`. One connection owns one stream across its keep-alive requests.

#include <httplib.h>

#include <array>
#include <chrono>

namespace trainbox::http {

using Clock = std::chrono::steady_clock;

class SocketStream final : public httplib::Stream {
 public:
  SocketStream(int fd, std::chrono::milliseconds read_timeout,
               std::chrono::milliseconds write_timeout);
  ~SocketStream() override;  // shuts down and closes the socket
  SocketStream(const SocketStream&) = delete;
  SocketStream& operator=(const SocketStream&) = delete;

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  int socket() const override { return fd_; }

  void set_deadline(Clock::time_point deadline) { deadline_ = deadline; }
  bool has_buffered() const { return begin_ < end_; }
  int release();  // gives the socket up without closing it

 private:
  int wait_ms(std::chrono::milliseconds timeout) const;
  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  std::array<char, 8192> buffer_{};
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace trainbox::http
