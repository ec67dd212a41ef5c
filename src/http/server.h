#pragma once
// The HTTP server: the REST API under /api/v1, the event streams, and the web page. The HTTP
// library stays behind this pimpl; routes live in routes.cc, handlers in *_handlers.cc.

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "service/accounts.h"
#include "service/task_service.h"
#include "util/result.h"

namespace trainbox::http {

struct HttpConfig {
  std::string host = "127.0.0.1";
  int port = 8080;                      // 0 = any free port (see HttpServer::port())
  std::filesystem::path web_dir;        // built web page; empty or missing = API only
  std::filesystem::path upload_dir;     // uploads stream here before they are stored
  std::filesystem::path backbones_dir;  // listed by GET /api/v1/backbones
  uint64_t max_upload_bytes = 2ull << 30;
  uint64_t max_predict_bytes = 32ull << 20;
  int threads = 64;            // serving threads (each event stream holds one)
  int max_event_streams = 48;  // beyond this, /events answers 503
  // Browser safety (see security.h): empty hosts = the loopback names and `host`.
  std::vector<std::string> allowed_hosts;
  std::vector<std::string> allowed_origins;
  // Slow and idle clients (see connection_gate.h). Waiting connections hold no thread.
  int header_timeout_s = 5;      // a request head must arrive within this
  int keep_alive_timeout_s = 5;  // an idle keep-alive connection is closed after this
  int read_timeout_s = 30;       // each read of a request body, each write of a response
  int body_grace_s = 30;         // a request body may start slowly for this long, then
  size_t body_min_rate = 4096;   // must average this many bytes per second (0 = no minimum)
  int max_queued = 256;          // requests waiting for a thread; beyond, 503
  int max_connections = 4096;    // open connections; beyond, 503
  int listen_backlog = 1024;     // pending connects the kernel holds
};

class HttpServer {
 public:
  // Every route but the public ones (health, openapi, session) authenticates through `accounts`.
  HttpServer(service::TaskService& service, service::Accounts& accounts, HttpConfig config);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  Status bind();  // binds host:port; afterwards port() is the real port
  int port() const;
  void listen();  // serves until stop(); call after bind()
  void stop();    // safe from another thread

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace trainbox::http
