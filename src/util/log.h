#pragma once
// Library code logs through these macros so the sink is configured once, in main (or a test).
// Lines about a task carry "task=<id>" so one grep follows a task through every process.

#include <spdlog/spdlog.h>

#define TRAINBOX_LOG_INFO(...) SPDLOG_INFO(__VA_ARGS__)
#define TRAINBOX_LOG_WARN(...) SPDLOG_WARN(__VA_ARGS__)
#define TRAINBOX_LOG_ERROR(...) SPDLOG_ERROR(__VA_ARGS__)
#define TRAINBOX_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
