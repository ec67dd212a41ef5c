#include "http/responses.h"

namespace trainbox::http {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kConflict:
    case ErrorCode::kCancelled:
      return 409;
    case ErrorCode::kPayloadTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kInsufficientStorage:
      return 507;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

const char* slug_for_status(int status) {
  switch (status) {
    case 400:
      return "bad_request";
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

void send_error(httplib::Response& res, const Error& error) {
  send_json(res, http_status(error.code),
            {{"error",
              {{"code", error.slug.empty() ? error_code_name(error.code) : error.slug},
               {"message", error.message}}}});
}

void send_error(httplib::Response& res, ErrorCode code, std::string slug, std::string message) {
  send_error(res, Error{code, std::move(slug), std::move(message)});
}

}  // namespace trainbox::http
