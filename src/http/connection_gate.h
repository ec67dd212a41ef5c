#pragma once
// Where connections wait between requests without holding a thread. The accept loop admits each
// socket; one epoll thread watches every waiting connection until a whole request head has
// arrived (then a worker thread serves it) or its deadline passes (then it is closed: a head must
// arrive within `header_timeout` of the connect or of its first byte, the next request of a
// keep-alive connection within `keep_alive_timeout`). Slow or idle clients cost a file
// descriptor, not a thread. When the ready queue or the connection count is full, the gate
// answers `busy_response` itself and closes gracefully (no reset).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/socket_stream.h"

namespace trainbox::http {

struct GateLimits {
  std::chrono::milliseconds header_timeout{5000};
  std::chrono::milliseconds keep_alive_timeout{5000};
  std::chrono::milliseconds read_timeout{10000};  // each read of a request body
  std::chrono::milliseconds write_timeout{10000};
  int keep_alive_max = 100;       // requests per connection
  int threads = 64;               // serving threads
  size_t max_queued = 256;        // connections with a request waiting for a thread
  size_t max_connections = 4096;  // open connections in all
  std::string busy_response;      // a whole HTTP response (503)
  std::string timeout_response;   // a whole HTTP response (408)
};

class ConnectionGate {
 public:
  // Serves one request; `last` asks it to close afterwards. True keeps the connection.
  using Serve = std::function<bool(SocketStream& stream, bool last)>;
  ConnectionGate(GateLimits limits, Serve serve);
  ~ConnectionGate();
  ConnectionGate(const ConnectionGate&) = delete;
  ConnectionGate& operator=(const ConnectionGate&) = delete;

  void admit(int fd);  // takes the socket; any thread
  void stop();         // closes waiting connections, joins the threads; idempotent

 private:
  struct Connection;
  using ConnectionPtr = std::unique_ptr<Connection>;
  void hand_in(ConnectionPtr connection);
  void gate_loop();
  void take_inbox();
  void on_readable(int fd, uint32_t events);
  void dispatch(int fd);
  void refuse(Connection& connection, const std::string& response);
  void sweep();
  void close_waiting(int fd);
  void worker_loop();
  void serve_connection(ConnectionPtr connection);

  GateLimits limits_;
  Serve serve_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> stopping_{false};
  std::atomic<size_t> open_{0};
  std::unordered_map<int, ConnectionPtr> waiting_;  // gate thread only
  std::mutex mutex_;
  std::vector<ConnectionPtr> inbox_;  // admitted or parked, not yet watched
  std::deque<ConnectionPtr> ready_;   // a request head is there
  std::condition_variable ready_cv_;
  std::thread gate_thread_;
  std::vector<std::thread> workers_;
};

}  // namespace trainbox::http
