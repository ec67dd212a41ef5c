#pragma once
// The training child talks to its supervisor in JSON lines on stdout, one message per line:
//   {"type":"progress","progress":{phase,fraction,epoch,epochs,eta_s,live}}
//   {"type":"dataset","dataset":{num_items,class_counts,warnings},"classes":[...]}
//   {"type":"result","metrics":{...}}                 then exit 0
//   {"type":"error","code":"...","slug":"...","message":"..."}   then exit kChildFailedExit
// Anything else on stdout is ignored, so a stray print cannot break a training.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/task.h"
#include "util/result.h"

namespace trainbox::jobs {

constexpr int kChildFailedExit = 2;
constexpr int kChildCancelledExit = 3;

struct ChildMessage {
  enum class Type { kProgress, kDataset, kResult, kError } type = Type::kProgress;
  core::Progress progress;
  nlohmann::json dataset;
  std::vector<std::string> classes;
  nlohmann::json metrics;
  Error error;
};

std::optional<ChildMessage> parse_child_message(const std::string& line);

}  // namespace trainbox::jobs
