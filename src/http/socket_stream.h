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

  void set_deadline(Clock::time_point deadline) {
    deadline_ = deadline;
    min_rate_ = 0;
    too_slow_ = false;
  }
  // For a request body: reads must keep up a minimum average rate. The deadline starts `grace`
  // after now and moves 1 s later for every `bytes_per_second` received (Apache mod_reqtimeout's
  // MinRate), so a slow trickle is cut off while a long upload at a fair pace is not.
  void set_min_rate(std::chrono::seconds grace, size_t bytes_per_second) {
    rate_start_ = Clock::now() + grace;
    deadline_ = rate_start_;
    min_rate_ = bytes_per_second;
    rate_bytes_ = 0;
    too_slow_ = false;
  }
  // A read failed because the body fell below its minimum rate.
  bool body_too_slow() const { return too_slow_; }
  bool has_buffered() const { return begin_ < end_; }
  int release();  // gives the socket up without closing it

 private:
  int wait_ms(std::chrono::milliseconds timeout) const;
  int fd_;
  std::chrono::milliseconds read_timeout_;
  std::chrono::milliseconds write_timeout_;
  Clock::time_point deadline_ = Clock::time_point::max();
  Clock::time_point rate_start_;
  size_t min_rate_ = 0;  // bytes per second; 0 = deadline_ as set
  size_t rate_bytes_ = 0;
  bool too_slow_ = false;
  std::array<char, 8192> buffer_{};
  size_t begin_ = 0;
  size_t end_ = 0;
};

}  // namespace trainbox::http
