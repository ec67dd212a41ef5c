#include "http/responses.h"

#include <fmt/format.h>

#include <atomic>
#include <random>

#include "core/task_json.h"
#include "http/security.h"
#include "util/log.h"

namespace trainbox::http {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kUnprocessable:
      return 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kCancelled:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kForbidden:
      return 403;
    case ErrorCode::kQuotaExceeded:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInsufficientStorage:
      return 507;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

nlohmann::json task_json(const core::Task& task) {
  auto json = core::to_api_json(task);
  if (json.contains("error") && json["error"].is_string()) {
    json["error"] = scrub_paths(json["error"].get<std::string>());
  }
  return json;
}

const char* slug_for_status(int status) {
  switch (status) {
    case 400:
      return "bad_request";
    case 401:
      return "unauthorized";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 413:
      return "payload_too_large";
    case 415:
      return "unsupported_media_type";
    case 503:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : "bad_request";
  }
}

void send_json(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

namespace {

// A short id that ties a client's report of an internal error to its line in the server log.
std::string new_error_id() {
  static const uint64_t kSeed = std::random_device{}();
  static std::atomic<uint64_t> counter{0};
  uint64_t mixed = (kSeed ^ (counter.fetch_add(1) * 0x9E3779B97F4A7C15ull)) * 0xBF58476D1CE4E5B9ull;
  return fmt::format("{:012x}", mixed >> 16);
}

}  // namespace

// Internal errors show the client a generic message and an id; their text goes to the log. Any
// other message is scrubbed of server paths and source names first.
void send_error(httplib::Response& res, const Error& error) {
  std::string slug = error.slug.empty() ? error_code_name(error.code) : error.slug;
  if (error.code == ErrorCode::kInternal) {
    std::string id = new_error_id();
    TRAINBOX_LOG_ERROR("internal error {} ({}): {}", id, slug, error.message);
    send_json(res, 500,
              {{"error",
                {{"code", slug},
                 {"message", fmt::format("internal error; the server log has the details under "
                                         "error id {}",
                                         id)},
                 {"error_id", id}}}});
    return;
  }
  send_json(res, http_status(error.code),
            {{"error", {{"code", slug}, {"message", scrub_paths(error.message)}}}});
}

void send_error(httplib::Response& res, ErrorCode code, std::string slug, std::string message) {
  send_error(res, Error{code, std::move(slug), std::move(message)});
}

}  // namespace trainbox::http
