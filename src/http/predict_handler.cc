// POST /tasks/{id}/predict: image tasks take multipart `file` fields, text tasks JSON texts.

#include <fmt/format.h>

#include <charconv>

#include "http/handlers.h"
#include "http/multipart_upload.h"
#include "http/responses.h"
#include "ml/prediction_json.h"

namespace trainbox::http {
namespace {

Result<int> parse_top_k(const httplib::Request& req) {
  if (!req.has_param("top_k")) return 3;
  std::string text = req.get_param_value("top_k");
  int value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > 1000) {
    return fail(ErrorCode::kInvalidArgument, "invalid_query", "top_k must be a number in 1..1000");
  }
  return value;
}

Result<std::vector<std::string>> read_texts(const httplib::Request& req, const Reader& reader,
                                            uint64_t max_bytes) {
  auto body = read_body(req, reader, max_bytes);
  if (!body) return fail(body.error());
  auto json = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return fail(ErrorCode::kInvalidArgument, "invalid_body",
                "the body is not JSON; send {\"texts\": [\"...\", ...]} for a text task");
  }
  if (!json.is_object() || !json.contains("texts") || !json["texts"].is_array()) {
    return fail(ErrorCode::kUnprocessable, "invalid_body",
                "the field 'texts' (an array of strings) is missing; send {\"texts\": [\"...\", "
                "...]} for a text task");
  }
  std::vector<std::string> texts;
  for (const auto& text : json["texts"]) {
    if (!text.is_string()) {
      return fail(ErrorCode::kUnprocessable, "invalid_body",
                  fmt::format("texts[{}] is {}, not a string", texts.size(), text.type_name()));
    }
    texts.push_back(text.get<std::string>());
  }
  return texts;
}

Result<std::vector<std::string>> read_images(const httplib::Request& req, const Reader& reader,
                                             uint64_t max_bytes) {
  UploadLimits limits{max_bytes, 64 << 10, {}};
  auto form = read_multipart(req, reader, limits);
  if (!form) return fail(form.error());
  std::vector<std::string> files;
  for (auto& file : form->files) {
    if (file.field == "file") files.push_back(std::move(file.data));
  }
  if (files.empty()) {
    return fail(ErrorCode::kInvalidArgument, "missing_field",
                "send one or more images in multipart 'file' fields");
  }
  return files;
}

}  // namespace

void handle_predict(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                    httplib::Response& res, const Reader& reader) {
  std::string id = req.matches.size() > 1 ? std::string(req.matches[1]) : "";
  auto top_k = parse_top_k(req);
  if (!top_k) return send_error(res, top_k.error());
  auto task = ctx.service.get(caller, id);
  if (!task) return send_error(res, task.error());
  Result<std::vector<ml::Prediction>> predictions = fail(ErrorCode::kInternal, "internal", "");
  if (task->kind == core::TaskKind::kText) {
    auto texts = read_texts(req, reader, ctx.config.max_predict_bytes);
    if (!texts) return send_error(res, texts.error());
    predictions = ctx.service.predict_texts(caller, id, *texts, *top_k);
  } else {
    auto images = read_images(req, reader, ctx.config.max_predict_bytes);
    if (!images) return send_error(res, images.error());
    predictions = ctx.service.predict_images(caller, id, *images, *top_k);
  }
  if (!predictions) return send_error(res, predictions.error());
  send_json(res, 200, ml::predictions_json(*predictions));
}

}  // namespace trainbox::http
