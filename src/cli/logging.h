#pragma once

#include <string>

namespace trainbox::cli {

// Configures the process-wide spdlog sink once: stderr, "info" unless TRAINBOX_LOG_LEVEL says.
void setup_logging(const std::string& level);

}  // namespace trainbox::cli
