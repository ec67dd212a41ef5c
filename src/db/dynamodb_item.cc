#include "db/dynamodb_item.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "core/task_json.h"

namespace trainbox::db::dynamo {
namespace {

constexpr std::string_view kTaskPrefix = "task#";

nlohmann::json parse_json_text(const std::string& text, const nlohmann::json& fallback) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? fallback : parsed;
}

const nlohmann::json* typed(const nlohmann::json& item, const char* name, const char* type) {
  if (!item.is_object()) return nullptr;
  auto attribute = item.find(name);
  if (attribute == item.end() || !attribute->is_object()) return nullptr;
  auto value = attribute->find(type);
  return value == attribute->end() ? nullptr : &*value;
}

nlohmann::json classes_value(const std::vector<std::string>& classes) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& name : classes) list.push_back(s(name));
  return {{"L", list}};
}

std::vector<std::string> classes_from(const nlohmann::json& item) {
  std::vector<std::string> names;
  const nlohmann::json* list = typed(item, "classes", "L");
  if (list == nullptr || !list->is_array()) return names;
  for (const auto& entry : *list) {
    if (entry.contains("S") && entry["S"].is_string()) names.push_back(entry["S"]);
  }
  return names;
}

core::Progress progress_from(const nlohmann::json& item) {
  const nlohmann::json* map = typed(item, "progress", "M");
  if (map == nullptr) return {};
  core::Progress progress;
  progress.phase = get_s(*map, "phase", "queued");
  progress.fraction = get_d(*map, "fraction");
  progress.epoch = static_cast<int>(get_n(*map, "epoch"));
  progress.epochs = static_cast<int>(get_n(*map, "epochs"));
  progress.eta_s = get_d(*map, "eta_s", -1);  // NULL after finish(): unknown
  auto live = parse_json_text(get_s(*map, "live", "{}"), nlohmann::json::object());
  if (live.is_object()) progress.live = live;
  return progress;
}

}  // namespace

nlohmann::json s(std::string_view text) { return {{"S", std::string(text)}}; }
nlohmann::json n(int64_t value) { return {{"N", std::to_string(value)}}; }
nlohmann::json d(double value) {
  return {{"N", std::isfinite(value) ? fmt::format("{}", value) : std::string("0")}};
}
nlohmann::json boolean(bool value) { return {{"BOOL", value}}; }
nlohmann::json null() { return {{"NULL", true}}; }

std::string get_s(const nlohmann::json& item, const char* name, std::string fallback) {
  const nlohmann::json* value = typed(item, name, "S");
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::move(fallback);
}

int64_t get_n(const nlohmann::json& item, const char* name, int64_t fallback) {
  const nlohmann::json* value = typed(item, name, "N");
  if (value == nullptr || !value->is_string()) return fallback;
  const auto& text = value->get_ref<const std::string&>();
  int64_t parsed = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error == std::errc() && end == text.data() + text.size()) return parsed;
  return static_cast<int64_t>(std::strtod(text.c_str(), nullptr));  // "5E+9" from another writer
}

double get_d(const nlohmann::json& item, const char* name, double fallback) {
  const nlohmann::json* value = typed(item, name, "N");
  if (value == nullptr || !value->is_string()) return fallback;
  return std::strtod(value->get_ref<const std::string&>().c_str(), nullptr);
}

bool get_bool(const nlohmann::json& item, const char* name) {
  const nlohmann::json* value = typed(item, name, "BOOL");
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

std::string task_pk(std::string_view id) { return std::string(kTaskPrefix) + std::string(id); }
std::string user_pk(std::string_view name) { return "user#" + std::string(name); }
std::string key_guard_pk(std::string_view key) { return "idem#" + std::string(key); }
std::string token_guard_pk(std::string_view hash) { return "token#" + std::string(hash); }
nlohmann::json key_of(std::string_view pk) { return {{kPk, s(pk)}}; }

std::string task_id_of_pk(std::string_view pk) {
  return pk.starts_with(kTaskPrefix) ? std::string(pk.substr(kTaskPrefix.size())) : "";
}

std::string task_list_sk(int64_t created_at_ms, std::string_view id) {
  return fmt::format("{:019d}#{}", std::max<int64_t>(created_at_ms, 0), id);
}

std::string owner_pk(std::string_view owner) { return "o#" + std::string(owner); }

nlohmann::json progress_value(const core::Progress& progress) {
  return {{"M",
           {{"phase", s(progress.phase)},
            {"fraction", d(progress.fraction)},
            {"epoch", n(progress.epoch)},
            {"epochs", n(progress.epochs)},
            {"eta_s", progress.eta_s >= 0 ? d(progress.eta_s) : null()},
            {"live", s(progress.live.dump())}}}};
}

nlohmann::json task_item(const core::Task& task) {
  return {{kPk, s(task_pk(task.id))},
          {kListPk, s("task")},
          {kListSk, s(task_list_sk(task.created_at_ms, task.id))},
          {kOwnerPk, s(owner_pk(task.owner))},
          {kStatus, s(core::to_string(task.status))},
          {"id", s(task.id)},
          {"kind", s(core::to_string(task.kind))},
          {"created_at_ms", n(task.created_at_ms)},
          {"started_at_ms", n(task.started_at_ms)},
          {"finished_at_ms", n(task.finished_at_ms)},
          {"heartbeat_at_ms", n(task.heartbeat_at_ms)},
          {"progress", progress_value(task.progress)},
          {"options", s(task.options.dump())},
          {"dataset", s(task.dataset.dump())},
          {"classes", classes_value(task.classes)},
          {"metrics", s(task.metrics.dump())},
          {"error", task.error ? s(*task.error) : null()},
          {"dataset_name", s(task.dataset_name)},
          {"dataset_key", s(task.dataset_key)},
          {"dataset_size", n(task.dataset_size)},
          {"owner", s(task.owner)},
          {"model_key", s(task.model_key)},
          {"model_size", n(task.model_size)},
          {"model_sha256", s(task.model_sha256)},
          {"idempotency_key", s(task.idempotency_key)},
          {"idempotency_fingerprint", s(task.idempotency_fingerprint)},
          {"attempts", n(task.attempts)},
          {"worker_id", s(task.worker_id)},
          {"cancel_requested", boolean(task.cancel_requested)},
          {"revision", n(task.revision)}};
}

core::Task task_from_item(const nlohmann::json& item) {
  core::Task task;
  task.id = get_s(item, "id");
  task.kind = core::parse_task_kind(get_s(item, "kind")).value_or(core::TaskKind::kImage);
  task.status = core::parse_task_status(get_s(item, kStatus)).value_or(core::TaskStatus::kFailed);
  task.created_at_ms = get_n(item, "created_at_ms");
  task.started_at_ms = get_n(item, "started_at_ms");
  task.finished_at_ms = get_n(item, "finished_at_ms");
  task.heartbeat_at_ms = get_n(item, "heartbeat_at_ms");
  task.progress = progress_from(item);
  task.options = parse_json_text(get_s(item, "options", "{}"), nlohmann::json::object());
  task.dataset = parse_json_text(get_s(item, "dataset", "{}"), nlohmann::json::object());
  task.classes = classes_from(item);
  task.metrics = parse_json_text(get_s(item, "metrics", "{}"), nlohmann::json::object());
  if (typed(item, "error", "S") != nullptr) task.error = get_s(item, "error");
  task.dataset_name = get_s(item, "dataset_name");
  task.dataset_key = get_s(item, "dataset_key");
  task.dataset_size = get_n(item, "dataset_size");
  task.owner = get_s(item, "owner");
  task.model_key = get_s(item, "model_key");
  task.model_size = get_n(item, "model_size");
  task.model_sha256 = get_s(item, "model_sha256");
  task.idempotency_key = get_s(item, "idempotency_key");
  task.idempotency_fingerprint = get_s(item, "idempotency_fingerprint");
  task.attempts = static_cast<int>(get_n(item, "attempts"));
  task.worker_id = get_s(item, "worker_id");
  task.cancel_requested = get_bool(item, "cancel_requested");
  task.revision = get_n(item, "revision");
  return task;
}

nlohmann::json user_item(const core::User& user) {
  return {{kPk, s(user_pk(user.name))},
          {kListPk, s("user")},
          {kListSk, s(user.name)},
          {"name", s(user.name)},
          {"is_admin", boolean(user.is_admin)},
          {"token_hash", s(user.token_hash)},
          {"created_at_ms", n(user.created_at_ms)},
          {"token_issued_at_ms", n(user.token_issued_at_ms)}};
}

core::User user_from_item(const nlohmann::json& item) {
  return core::User{get_s(item, "name"), get_bool(item, "is_admin"), get_s(item, "token_hash"),
                    get_n(item, "created_at_ms"), get_n(item, "token_issued_at_ms")};
}

nlohmann::json names_in(std::string_view expression_a, std::string_view expression_b) {
  nlohmann::json names = nlohmann::json::object();
  for (std::string_view expression : {expression_a, expression_b}) {
    for (size_t at = expression.find('#'); at != expression.npos; at = expression.find('#', at)) {
      size_t end = at + 1;
      while (
          end < expression.size() &&
          (std::isalnum(static_cast<unsigned char>(expression[end])) || expression[end] == '_')) {
        ++end;
      }
      std::string name(expression.substr(at + 1, end - at - 1));
      if (!name.empty()) names["#" + name] = name;
      at = end;
    }
  }
  return names;
}

}  // namespace trainbox::db::dynamo
