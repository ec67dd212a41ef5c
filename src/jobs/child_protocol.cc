#include "jobs/child_protocol.h"

#include "core/task_json.h"

namespace trainbox::jobs {

std::optional<ChildMessage> parse_child_message(const std::string& line) {
  auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("type")) return std::nullopt;
  const std::string type = json.value("type", "");
  ChildMessage message;
  if (type == "progress") {
    message.type = ChildMessage::Type::kProgress;
    message.progress = core::progress_from_json(json.value("progress", nlohmann::json::object()));
  } else if (type == "dataset") {
    message.type = ChildMessage::Type::kDataset;
    message.dataset = json.value("dataset", nlohmann::json::object());
    auto classes = json.value("classes", nlohmann::json::array());
    for (const auto& name : classes) {
      if (name.is_string()) message.classes.push_back(name.get<std::string>());
    }
  } else if (type == "result") {
    message.type = ChildMessage::Type::kResult;
    message.metrics = json.value("metrics", nlohmann::json::object());
  } else if (type == "error") {
    message.type = ChildMessage::Type::kError;
    message.error.slug = json.value("slug", "training_failed");
    message.error.message = json.value("message", "training failed");
  } else {
    return std::nullopt;
  }
  return message;
}

}  // namespace trainbox::jobs
