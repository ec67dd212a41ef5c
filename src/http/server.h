#pragma once
// The HTTP server: the REST API under /api/v1, the event streams, and the web page. The HTTP
// library stays behind this pimpl; routes live in routes.cc, handlers in *_handlers.cc.

#include <filesystem>
#include <memory>
#include <string>

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
  int threads = 64;            // connection threads (each event stream holds one)
  int max_event_streams = 48;  // beyond this, /events answers 503
};

class HttpServer {
 public:
  HttpServer(service::TaskService& service, HttpConfig config);
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
