// Wires the route table into cpp-httplib: a bounded thread pool (each event stream holds a
// thread), JSON for every error the library produces itself (404, 413, 400), 405 for a known path
// with the wrong method, a catch-all for exceptions, one access-log line per request, and the
// built web page mounted at "/".

#include "http/server.h"

#include <fmt/format.h>

#include <regex>

#include "http/handlers.h"
#include "http/responses.h"
#include "http/routes.h"
#include "util/log.h"

namespace trainbox::http {

struct HttpServer::Impl {
  Impl(service::TaskService& service, HttpConfig config) : context{service, std::move(config)} {}
  HttpContext context;
  httplib::Server server;
  int port = 0;
};

namespace {

void register_route(httplib::Server& server, HttpContext& ctx, const Route& route) {
  if (const auto* plain = std::get_if<PlainHandler>(&route.handler)) {
    auto handler = [&ctx, plain](const httplib::Request& req, httplib::Response& res) {
      (*plain)(ctx, req, res);
    };
    if (route.method == "GET") server.Get(route.pattern, handler);
    if (route.method == "DELETE") server.Delete(route.pattern, handler);
    return;
  }
  const auto* with_reader = std::get_if<ReaderHandler>(&route.handler);
  server.Post(route.pattern,
              [&ctx, with_reader](const httplib::Request& req, httplib::Response& res,
                                  const Reader& reader) { (*with_reader)(ctx, req, res, reader); });
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
        TRAINBOX_LOG_ERROR("{} {} failed: {}", req.method, req.path, what);
        send_error(res, ErrorCode::kInternal, "internal", "internal error; see the server log");
      });
}

}  // namespace

HttpServer::HttpServer(service::TaskService& service, HttpConfig config)
    : impl_(std::make_unique<Impl>(service, std::move(config))) {
  auto& server = impl_->server;
  auto& ctx = impl_->context;
  int threads = std::max(4, ctx.config.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_payload_max_length(ctx.config.max_upload_bytes);
  server.set_keep_alive_timeout(2);
  server.set_read_timeout(30);
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
  return {};
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::listen() { impl_->server.listen_after_bind(); }

void HttpServer::stop() {
  impl_->context.service.events().shutdown();
  impl_->server.stop();
}

}  // namespace trainbox::http
