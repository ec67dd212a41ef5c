#include "cli/logging.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace trainbox::cli {

void setup_logging(const std::string& level) {
  auto logger = spdlog::stderr_color_mt("trainbox");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%l%$ %v");
  spdlog::set_level(spdlog::level::from_str(level.empty() ? "info" : level));
}

}  // namespace trainbox::cli
