// Wires the route table into cpp-httplib: connections wait in the ConnectionGate (no thread per
// idle or slow client; a bounded pool serves whole request heads, each event stream holds a
// thread), the browser-safety headers and checks of security.h on every request, JSON for every
// error the library produces itself (404, 413, 400), 405 for a known path with the wrong method,
// a catch-all for exceptions, one access-log line per request, and the web page mounted at "/".

#include "http/server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <regex>

#include "http/connection_gate.h"
#include "http/credentials.h"
#include "http/handlers.h"
#include "http/responses.h"
#include "http/routes.h"
#include "http/security.h"
#include "util/log.h"

namespace trainbox::http {
namespace {

// The connection the current thread serves, and whether its request asked to close it.
thread_local SocketStream* t_stream = nullptr;
thread_local bool t_close_after = false;

// The accept loop hands each socket straight to the gate instead of queueing it for a thread.
class InlineQueue final : public httplib::TaskQueue {
 public:
  void enqueue(std::function<void()> fn) override { fn(); }
  void shutdown() override {}
};

class GatedServer final : public httplib::Server {
 public:
  ConnectionGate* gate = nullptr;

  bool serve(SocketStream& stream, bool last) {
    t_stream = &stream;
    t_close_after = false;
    bool closed = false;
    bool ok = process_request(stream, last, closed, nullptr);
    t_stream = nullptr;
    return ok && !closed && !t_close_after;
  }
  // The library listens with a backlog of 5; listening again on the bound socket raises it.
  bool set_backlog(int backlog) { return ::listen(svr_sock_, backlog) == 0; }

 private:
  bool process_and_close_socket(socket_t sock) override {
    if (gate) {
      gate->admit(sock);
    } else {
      ::close(sock);
    }
    return true;
  }
};

std::string raw_response(int status, const char* reason, const char* slug, const char* message) {
  std::string body = nlohmann::json{{"error", {{"code", slug}, {"message", message}}}}.dump();
  return fmt::format(
      "HTTP/1.1 {} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n"
      "Retry-After: 1\r\nConnection: close\r\n{}\r\n{}",
      status, reason, body.size(), security_header_lines(), body);
}

GateLimits gate_limits(const HttpConfig& config) {
  GateLimits limits;
  limits.header_timeout = std::chrono::seconds(std::max(1, config.header_timeout_s));
  limits.keep_alive_timeout = std::chrono::seconds(std::max(1, config.keep_alive_timeout_s));
  limits.read_timeout = std::chrono::seconds(std::max(1, config.read_timeout_s));
  limits.write_timeout = limits.read_timeout;
  limits.threads = std::max(4, config.threads);
  limits.max_queued = static_cast<size_t>(std::max(1, config.max_queued));
  limits.max_connections = static_cast<size_t>(std::max(16, config.max_connections));
  limits.busy_response = raw_response(503, "Service Unavailable", "overloaded",
                                      "the server is busy; retry in a moment");
  limits.timeout_response = raw_response(408, "Request Timeout", "request_timeout",
                                         "the request head did not arrive in time");
  return limits;
}

}  // namespace

struct HttpServer::Impl {
  Impl(service::TaskService& service, service::Accounts& accounts, HttpConfig config)
      : context{service, accounts, std::move(config)} {}
  HttpContext context;
  GatedServer server;  // declared before the gate: the gate's threads stop first
  std::unique_ptr<ConnectionGate> gate;
  int port = 0;
};

namespace {

// The caller of a request to `route`: anonymous on public routes, else the owner of its token.
// On failure the 401 is sent here and the connection closes after it (an upload's body stays
// unread: nobody unauthenticated gets to stream gigabytes into the server).
std::optional<Caller> authorize(HttpContext& ctx, const Route& route, const httplib::Request& req,
                                httplib::Response& res) {
  if (route.access == Access::kPublic) return Caller{};
  auto caller = ctx.accounts.authenticate(request_token(req));
  if (caller) return *caller;
  if (caller.error().code == ErrorCode::kUnauthenticated) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"trainbox\"");
  }
  t_close_after = true;
  res.set_header("Connection", "close");
  send_error(res, caller.error());
  return std::nullopt;
}

// A body cut off below the minimum rate: whatever the handler made of the short read, the client
// learns why, and the connection closes (the rest of the body must not be read as a request).
void answer_if_too_slow(const HttpConfig& config, httplib::Response& res) {
  if (!t_stream || !t_stream->body_too_slow()) return;
  t_close_after = true;
  res.set_header("Connection", "close");
  send_json(res, 408,
            {{"error",
              {{"code", "request_body_too_slow"},
               {"message", fmt::format("the request body arrived slower than {} KiB/s on average",
                                       config.body_min_rate / 1024)}}}});
}

void register_route(httplib::Server& server, HttpContext& ctx, const Route& route) {
  if (const auto* plain = std::get_if<PlainHandler>(&route.handler)) {
    auto handler = [&ctx, &route, plain](const httplib::Request& req, httplib::Response& res) {
      if (auto caller = authorize(ctx, route, req, res)) (*plain)(ctx, *caller, req, res);
    };
    if (route.method == "GET") server.Get(route.pattern, handler);
    if (route.method == "DELETE") server.Delete(route.pattern, handler);
    return;
  }
  const auto* with_reader = std::get_if<ReaderHandler>(&route.handler);
  server.Post(route.pattern,
              [&ctx, &route, with_reader](const httplib::Request& req, httplib::Response& res,
                                          const Reader& reader) {
                if (auto caller = authorize(ctx, route, req, res)) {
                  (*with_reader)(ctx, *caller, req, res, reader);
                  answer_if_too_slow(ctx.config, res);
                }
              });
}

// For paths no route took: 405 when another method would have matched, else 404.
void not_routed(const httplib::Request& req, httplib::Response& res) {
  std::string allowed;
  for (const auto& route : routes()) {
    if (std::regex_match(req.path, std::regex(route.pattern))) {
      allowed += (allowed.empty() ? "" : ", ") + route.method;
    }
  }
  if (!allowed.empty()) {
    res.set_header("Allow", allowed);
    send_json(
        res, 405,
        {{"error",
          {{"code", "method_not_allowed"},
           {"message", fmt::format("{} is not allowed here; use {}", req.method, allowed)}}}});
    return;
  }
  send_error(res, ErrorCode::kNotFound, "not_found", fmt::format("no route for {}", req.path));
}

void install_fallbacks(httplib::Server& server) {
  server.Get(".*", not_routed);
  server.Delete(".*", not_routed);
  server.Put(".*", not_routed);
  server.Patch(".*", not_routed);
  server.Post(".*", [](const httplib::Request& req, httplib::Response& res, const Reader&) {
    not_routed(req, res);
  });
  server.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        send_json(res, res.status,
                  {{"error",
                    {{"code", slug_for_status(res.status)},
                     {"message", res.status == 413 ? "the request body is too large"
                                                   : "the request could not be served"}}}});
        return httplib::Server::HandlerResponse::Handled;
      }));
  server.set_exception_handler(
      [](const httplib::Request& req, httplib::Response& res, const std::exception_ptr& error) {
        std::string what = "unknown error";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        send_error(res, ErrorCode::kInternal, "internal",
                   fmt::format("{} {} failed: {}", req.method, req.path, what));
      });
}

// Runs once the request head is read, before any route or the body: replaces the head deadline
// by the body's minimum rate (a response is bounded by its per-write timeout only, so event
// streams and downloads are not cut) and refuses foreign hosts and cross-site writes.
void install_browser_checks(httplib::Server& server, const HttpConfig& config) {
  server.set_default_headers(security_headers());
  auto hosts = allowed_host_names(config.allowed_hosts, config.host);
  server.set_pre_routing_handler(
      [hosts, origins = config.allowed_origins, grace = std::chrono::seconds(config.body_grace_s),
       rate = config.body_min_rate](const httplib::Request& req, httplib::Response& res) {
        if (t_stream && rate > 0) {
          t_stream->set_min_rate(grace, rate);
        } else if (t_stream) {
          t_stream->set_deadline(Clock::time_point::max());
        }
        auto refusal = check_browser_request(req, hosts, origins);
        if (!refusal) return httplib::Server::HandlerResponse::Unhandled;
        t_close_after = true;  // the body, if any, stays unread
        res.set_header("Connection", "close");
        send_json(res, refusal->status,
                  {{"error", {{"code", refusal->slug}, {"message", refusal->message}}}});
        return httplib::Server::HandlerResponse::Handled;
      });
}

}  // namespace

HttpServer::HttpServer(service::TaskService& service, service::Accounts& accounts,
                       HttpConfig config)
    : impl_(std::make_unique<Impl>(service, accounts, std::move(config))) {
  auto& server = impl_->server;
  auto& ctx = impl_->context;
  auto limits = gate_limits(ctx.config);
  server.new_task_queue = [] { return new InlineQueue(); };
  server.set_payload_max_length(ctx.config.max_upload_bytes);
  server.set_keep_alive_timeout(limits.keep_alive_timeout.count() / 1000);
  server.set_keep_alive_max_count(static_cast<size_t>(limits.keep_alive_max));
  install_browser_checks(server, ctx.config);
  if (!ctx.config.web_dir.empty() && std::filesystem::is_directory(ctx.config.web_dir)) {
    server.set_mount_point("/", ctx.config.web_dir.string());
  } else {
    server.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_content(
          "<!doctype html><title>trainbox</title><p>The web page is not built. Run "
          "<code>make build</code>, or use the API under <a href=\"/api/v1/openapi.json\">"
          "/api/v1</a>.</p>",
          "text/html");
    });
  }
  for (const auto& route : routes()) register_route(server, ctx, route);
  install_fallbacks(server);
  server.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    if (req.path.starts_with("/api/")) {
      TRAINBOX_LOG_INFO("{} {} -> {}", req.method, req.path, res.status);
    }
  });
  impl_->gate = std::make_unique<ConnectionGate>(
      limits, [&server](SocketStream& stream, bool last) { return server.serve(stream, last); });
  server.gate = impl_->gate.get();
}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::bind() {
  auto& config = impl_->context.config;
  if (config.port == 0) {
    impl_->port = impl_->server.bind_to_any_port(config.host);
  } else if (impl_->server.bind_to_port(config.host, config.port)) {
    impl_->port = config.port;
  } else {
    impl_->port = -1;
  }
  if (impl_->port <= 0) {
    return fail(
        ErrorCode::kUnavailable, "bind_failed",
        fmt::format("cannot listen on {}:{} (in use, or not allowed)", config.host, config.port));
  }
  if (!impl_->server.set_backlog(std::max(16, config.listen_backlog))) {
    TRAINBOX_LOG_WARN("could not raise the listen backlog; concurrent connects may be reset");
  }
  return {};
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::listen() { impl_->server.listen_after_bind(); }

void HttpServer::stop() {
  impl_->context.service.events().shutdown();
  impl_->server.stop();
  if (impl_->gate) impl_->gate->stop();
}

}  // namespace trainbox::http
