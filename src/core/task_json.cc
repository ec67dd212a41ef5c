#include "core/task_json.h"

#include "util/clock.h"

namespace trainbox::core {
namespace {

nlohmann::json time_or_null(int64_t epoch_ms) {
  return epoch_ms > 0 ? nlohmann::json(format_iso8601(epoch_ms)) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json to_json(const Progress& progress) {
  return {{"phase", progress.phase},
          {"fraction", progress.fraction},
          {"epoch", progress.epoch},
          {"epochs", progress.epochs},
          {"eta_s", progress.eta_s >= 0 ? nlohmann::json(progress.eta_s) : nlohmann::json(nullptr)},
          {"live", progress.live}};
}

Progress progress_from_json(const nlohmann::json& json) {
  Progress progress;
  if (!json.is_object()) return progress;
  progress.phase = json.value("phase", "queued");
  progress.fraction = json.value("fraction", 0.0);
  progress.epoch = json.value("epoch", 0);
  progress.epochs = json.value("epochs", 0);
  progress.eta_s =
      json.contains("eta_s") && json["eta_s"].is_number() ? json["eta_s"].get<double>() : -1.0;
  if (json.contains("live") && json["live"].is_object()) progress.live = json["live"];
  return progress;
}

nlohmann::json to_api_json(const Task& task) {
  nlohmann::json dataset = task.dataset.is_object() ? task.dataset : nlohmann::json::object();
  if (!task.dataset_name.empty()) dataset["name"] = task.dataset_name;
  return {{"id", task.id},
          {"kind", to_string(task.kind)},
          {"status", to_string(task.status)},
          {"created_at", time_or_null(task.created_at_ms)},
          {"started_at", time_or_null(task.started_at_ms)},
          {"finished_at", time_or_null(task.finished_at_ms)},
          {"progress", to_json(task.progress)},
          {"options", task.options},
          {"dataset", dataset},
          {"classes", task.classes},
          {"metrics", task.metrics},
          {"attempts", task.attempts},
          {"worker_id",
           task.worker_id.empty() ? nlohmann::json(nullptr) : nlohmann::json(task.worker_id)},
          {"owner", task.owner.empty() ? nlohmann::json(nullptr) : nlohmann::json(task.owner)},
          {"model_size",
           task.model_size > 0 ? nlohmann::json(task.model_size) : nlohmann::json(nullptr)},
          {"model_sha256",
           task.model_sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(task.model_sha256)},
          {"cancel_requested", task.cancel_requested},
          {"error", task.error ? nlohmann::json(*task.error) : nlohmann::json(nullptr)}};
}

}  // namespace trainbox::core
