// `trainbox worker`: a worker alone (no HTTP), for scale-out on shared backends.

#include "cli/commands.h"
#include "cli/logging.h"
#include "cli/server_options.h"
#include "util/log.h"

namespace trainbox::cli {
namespace {

int run_worker(const ServerOptions& options) {
  setup_logging(options.log_level);
  block_stop_signals();
  auto backends = open_backends_waiting(options, std::chrono::seconds(60));
  if (!backends) {
    TRAINBOX_LOG_ERROR("{}", backends.error().message);
    return 1;
  }
  if (options.queue_url.starts_with("local")) {
    TRAINBOX_LOG_WARN(
        "worker with a local:// queue only runs tasks queued before it started; "
        "use a shared queue to scale out");
  }
  jobs::Worker worker(*(*backends)->service, *(*backends)->queue, worker_config(options));
  worker.start();
  TRAINBOX_LOG_INFO("trainbox worker {} started as {} (concurrency {})", TRAINBOX_VERSION,
                    (*backends)->service->config().worker_id, options.concurrency);
  wait_for_stop_signal();
  worker.stop();
  return 0;
}

}  // namespace

Command add_worker_command(CLI::App& app) {
  auto options = std::make_shared<ServerOptions>();
  auto* command = app.add_subcommand("worker", "Run a worker alone (scale-out)");
  add_server_flags(*command, *options);
  return [options] { return run_worker(*options); };
}

}  // namespace trainbox::cli
