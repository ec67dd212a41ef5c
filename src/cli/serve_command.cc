// `trainbox serve`: the API, the web page and an in-process worker, on embedded defaults.

#include <fmt/format.h>

#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "cli/logging.h"
#include "cli/server_options.h"
#include "db/user_store.h"
#include "http/server.h"
#include "util/log.h"

namespace trainbox::cli {
namespace {

struct ServeOptions {
  ServerOptions server;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string web_dir = TRAINBOX_DEFAULT_WEB_DIR;
  uint64_t max_upload_mb = 2048;
  int http_threads = 64;
  std::vector<std::string> allowed_hosts;  // empty: loopback names and --host
  std::vector<std::string> allowed_origins;
  int header_timeout_s = 5;
  int body_grace_s = 30;
  size_t min_body_rate_kb = 4;
  int max_connections = 4096;
  int workers = 1;              // 0: the API alone, trainings run by `trainbox worker` processes
  std::string auth = "tokens";  // "none": no accounts, loopback only
};

bool is_loopback_host(const std::string& host) {
  return host == "localhost" || host == "::1" || host == "[::1]" || host.starts_with("127.");
}

// Accounts on --auth: "none" is refused unless the server listens on loopback only.
Result<service::AuthMode> auth_mode(const ServeOptions& options) {
  if (options.auth == "tokens") return service::AuthMode::kTokens;
  if (!is_loopback_host(options.host)) {
    return fail(ErrorCode::kInvalidArgument, "auth_none_not_loopback",
                fmt::format("--auth none is refused on --host {}: without accounts anyone who "
                            "reaches the port can use every task. Bind to 127.0.0.1, or keep "
                            "accounts on (the default)",
                            options.host));
  }
  TRAINBOX_LOG_WARN(
      "--auth none: accounts are off; every client of {} can see and delete every "
      "task (allowed only on loopback)",
      options.host);
  return service::AuthMode::kNone;
}

// First start with accounts and no user: the admin is created and a one-time sign-in link shown.
Status announce_first_admin(service::Accounts& accounts, const ServeOptions& options, int port) {
  auto code = accounts.bootstrap();
  if (!code) return fail(code.error());
  if (!code->has_value()) return {};
  std::string host = options.host == "0.0.0.0" || options.host == "::" ? "127.0.0.1" : options.host;
  std::printf(
      "No users yet: created the admin user '%s'.\n"
      "Sign in (one-time link, valid 24 h): http://%s:%d/#sign-in=%s\n"
      "Or give API clients a token: trainbox users token %s --data-dir %s\n",
      service::Accounts::kFirstAdmin, host.c_str(), port, (*code)->c_str(),
      service::Accounts::kFirstAdmin, options.server.data_dir.c_str());
  std::fflush(stdout);
  return {};
}

void add_http_limit_flags(CLI::App& command, ServeOptions& options) {
  command
      .add_option("--allowed-hosts", options.allowed_hosts,
                  "Host names clients may address the server by, comma-separated; '*' allows any "
                  "(default: localhost, 127.0.0.1, [::1] and --host)")
      ->envname("TRAINBOX_ALLOWED_HOSTS")
      ->delimiter(',');
  command
      .add_option("--allowed-origins", options.allowed_origins,
                  "Web origins (scheme://host:port) besides the server's own that may send "
                  "POST/DELETE requests, comma-separated")
      ->envname("TRAINBOX_ALLOWED_ORIGINS")
      ->delimiter(',');
  command
      .add_option("--header-timeout", options.header_timeout_s,
                  "Seconds a client has to send a request head before it is dropped")
      ->envname("TRAINBOX_HEADER_TIMEOUT")
      ->check(CLI::Range(1, 600))
      ->capture_default_str();
  command
      .add_option("--body-grace-s", options.body_grace_s,
                  "Seconds a request body may take to get going before --min-body-rate applies")
      ->envname("TRAINBOX_BODY_GRACE_S")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  command
      .add_option("--min-body-rate-kb", options.min_body_rate_kb,
                  "A request body slower than this many KiB/s on average (after the grace) is cut "
                  "off (0 = no minimum)")
      ->envname("TRAINBOX_MIN_BODY_RATE_KB")
      ->check(CLI::Range(0, 1 << 20))
      ->capture_default_str();
  command
      .add_option("--max-connections", options.max_connections,
                  "Open connections beyond which new ones are answered 503")
      ->envname("TRAINBOX_MAX_CONNECTIONS")
      ->check(CLI::Range(16, 1 << 20))
      ->capture_default_str();
}

http::HttpConfig http_config(const ServeOptions& options) {
  http::HttpConfig config;
  config.host = options.host;
  config.port = options.port;
  config.web_dir = options.web_dir;
  config.upload_dir = std::filesystem::absolute(options.server.data_dir) / "uploads";
  config.backbones_dir = backbones_dir(options.server);
  config.max_upload_bytes = options.max_upload_mb << 20;
  config.threads = options.http_threads;
  config.allowed_hosts = options.allowed_hosts;
  config.allowed_origins = options.allowed_origins;
  config.header_timeout_s = options.header_timeout_s;
  config.max_connections = options.max_connections;
  config.body_grace_s = options.body_grace_s;
  config.body_min_rate = options.min_body_rate_kb * 1024;
  return config;
}

int serve(const ServeOptions& options) {
  setup_logging(options.server.log_level);
  block_stop_signals();
  auto backends = open_backends_waiting(options.server, std::chrono::seconds(60));
  if (!backends) {
    TRAINBOX_LOG_ERROR("{}", backends.error().message);
    return 1;
  }
  auto& service = *(*backends)->service;
  auto mode = auth_mode(options);
  if (!mode) {
    TRAINBOX_LOG_ERROR("{}", mode.error().message);
    return 2;
  }
  auto users = open_users(options.server);
  if (!users) {
    TRAINBOX_LOG_ERROR("{}", users.error().message);
    return 1;
  }
  service::Accounts accounts(**users, (*backends)->clock, *mode);
  http::HttpConfig config = http_config(options);
  std::error_code ignored;
  std::filesystem::remove_all(config.upload_dir, ignored);  // partial uploads of a dead process
  std::filesystem::create_directories(config.upload_dir, ignored);
  http::HttpServer server(service, accounts, config);
  if (auto bound = server.bind(); !bound) {
    TRAINBOX_LOG_ERROR("{}", bound.error().message);
    return 1;
  }
  std::optional<jobs::Worker> worker;
  if (options.workers > 0) {
    worker.emplace(service, *(*backends)->queue, worker_config(options.server));
    worker->start();
  } else {
    TRAINBOX_LOG_INFO("--workers 0: no trainings here; `trainbox worker` processes run them");
  }
  std::thread listener([&] { server.listen(); });
  std::printf("trainbox listening on http://%s:%d\n", options.host.c_str(), server.port());
  std::fflush(stdout);
  if (auto announced = announce_first_admin(accounts, options, server.port()); !announced) {
    TRAINBOX_LOG_ERROR("cannot create the first admin: {}", announced.error().message);
  }
  TRAINBOX_LOG_INFO("trainbox {} serving http://{}:{} (data in {})", TRAINBOX_VERSION, options.host,
                    server.port(), options.server.data_dir);
  int signal_number = wait_for_stop_signal();
  TRAINBOX_LOG_INFO("signal {} received: shutting down", signal_number);
  server.stop();
  listener.join();
  if (worker) worker->stop();
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& app) {
  auto options = std::make_shared<ServeOptions>();
  auto* command = app.add_subcommand("serve", "Serve the API and web page, with a worker");
  command->add_option("--host", options->host, "Address to listen on")
      ->envname("TRAINBOX_HOST")
      ->capture_default_str();
  command->add_option("--port", options->port, "Port (0 = any free port)")
      ->envname("TRAINBOX_PORT")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  command->add_option("--web-dir", options->web_dir, "Built web page to serve at /")
      ->envname("TRAINBOX_WEB_DIR")
      ->capture_default_str();
  command->add_option("--max-upload-mb", options->max_upload_mb, "Largest accepted upload")
      ->envname("TRAINBOX_MAX_UPLOAD_MB")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  command->add_option("--http-threads", options->http_threads, "HTTP connection threads")
      ->envname("TRAINBOX_HTTP_THREADS")
      ->check(CLI::Range(4, 1024))
      ->capture_default_str();
  add_http_limit_flags(*command, *options);
  command
      ->add_option("--auth", options->auth,
                   "tokens: accounts with API tokens (see `trainbox users`); none: no accounts, "
                   "accepted only with a loopback --host")
      ->envname("TRAINBOX_AUTH")
      ->check(CLI::IsMember({"tokens", "none"}))
      ->capture_default_str();
  command
      ->add_option("--workers", options->workers,
                   "In-process workers: 1 trains here, 0 serves the API alone (trainings run by "
                   "`trainbox worker` processes on shared backends)")
      ->envname("TRAINBOX_WORKERS")
      ->check(CLI::Range(0, 1))
      ->capture_default_str();
  add_server_flags(*command, options->server);
  return [options] { return serve(*options); };
}

}  // namespace trainbox::cli
