// Handlers for the task resource: create, list, get, cancel, delete, and the model download.

#include <fmt/format.h>

#include <charconv>

#include "core/task_json.h"
#include "http/handlers.h"
#include "http/multipart_upload.h"
#include "http/responses.h"
#include "util/fs.h"

namespace trainbox::http {
namespace {

std::string path_id(const httplib::Request& req) {
  return req.matches.size() > 1 ? std::string(req.matches[1]) : std::string();
}

Result<int> query_int(const httplib::Request& req, const char* name, int fallback) {
  if (!req.has_param(name)) return fallback;
  std::string text = req.get_param_value(name);
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return fail(ErrorCode::kInvalidArgument, "invalid_query",
                fmt::format("query parameter '{}' must be a whole number", name));
  }
  return value;
}

std::optional<std::string> field(const UploadedForm& form, const char* name) {
  auto it = form.fields.find(name);
  if (it == form.fields.end()) return std::nullopt;
  return it->second;
}

}  // namespace

void handle_create_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res, const Reader& reader) {
  TempDir staging(ctx.config.upload_dir, "upload");
  UploadLimits limits{ctx.config.max_upload_bytes, 64 << 10, staging.path()};
  auto form = read_multipart(req, reader, limits);
  if (!form) return send_error(res, form.error());
  const UploadedFile* dataset = nullptr;
  for (const auto& file : form->files) {
    if (file.field == "dataset") {
      if (dataset) {
        return send_error(res, ErrorCode::kInvalidArgument, "duplicate_field",
                          "send exactly one 'dataset' file");
      }
      dataset = &file;
    }
  }
  if (!dataset) {
    return send_error(res, ErrorCode::kInvalidArgument, "missing_field",
                      "the 'dataset' file field is required (a .zip of class folders or a .csv)");
  }
  service::NewTask request{dataset->path, dataset->filename.empty() ? "dataset" : dataset->filename,
                           field(*form, "kind"), field(*form, "options"),
                           req.get_header_value("Idempotency-Key")};
  auto task = ctx.service.create(caller, request);
  if (!task && task.error().slug == "idempotency_key_reused") {
    // draft-ietf-httpapi-idempotency-key-header: a key reused for another payload is 422.
    return send_json(res, 422,
                     {{"error", {{"code", task.error().slug}, {"message", task.error().message}}}});
  }
  if (!task) return send_error(res, task.error());
  res.set_header("Location", "/api/v1/tasks/" + task->id);
  send_json(res, 202, task_json(*task));
}

void handle_list_tasks(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                       httplib::Response& res) {
  auto limit = query_int(req, "limit", 50);
  if (!limit) return send_error(res, limit.error());
  auto offset = query_int(req, "offset", 0);
  if (!offset) return send_error(res, offset.error());
  auto page = ctx.service.list(caller, *limit, *offset);
  if (!page) return send_error(res, page.error());
  nlohmann::json tasks = nlohmann::json::array();
  for (const auto& task : page->tasks) tasks.push_back(task_json(task));
  send_json(res, 200, {{"tasks", tasks}, {"total", page->total}});
}

void handle_get_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                     httplib::Response& res) {
  auto task = ctx.service.get(caller, path_id(req));
  if (!task) return send_error(res, task.error());
  send_json(res, 200, task_json(*task));
}

void handle_cancel_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res, const Reader& reader) {
  if (auto body = read_body(req, reader, 64 << 10); !body) return send_error(res, body.error());
  auto task = ctx.service.cancel(caller, path_id(req));
  if (!task) return send_error(res, task.error());
  send_json(res, 202, task_json(*task));
}

void handle_delete_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res) {
  if (auto removed = ctx.service.remove(caller, path_id(req)); !removed) {
    return send_error(res, removed.error());
  }
  res.status = 204;
}

void handle_get_model(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                      httplib::Response& res) {
  std::string id = path_id(req);
  auto bundle = ctx.service.model_bundle(caller, id);
  if (!bundle) return send_error(res, bundle.error());
  // The name is ours (hex id), never the user's, so it cannot inject headers.
  res.set_header("Content-Disposition",
                 fmt::format("attachment; filename=\"trainbox-{}.zip\"", id));
  res.status = 200;
  res.set_content(*bundle, "application/zip");
}

}  // namespace trainbox::http
