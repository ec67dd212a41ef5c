#pragma once
// The task as the REST API shows it (DESIGN.md's shape). Internal fields (blob keys, heartbeat,
// revision) stay out of it.

#include <nlohmann/json.hpp>

#include "core/task.h"

namespace trainbox::core {

nlohmann::json to_api_json(const Task& task);
nlohmann::json to_json(const Progress& progress);
Progress progress_from_json(const nlohmann::json& json);

}  // namespace trainbox::core
