#pragma once
// JSON bodies and the one table that maps error codes to HTTP statuses.

#include <httplib.h>

#include <nlohmann/json.hpp>

#include "core/task.h"
#include "util/result.h"

namespace trainbox::http {

int http_status(ErrorCode code);
// A task as the API shows it: core::to_api_json with server paths scrubbed from its error.
nlohmann::json task_json(const core::Task& task);
void send_json(httplib::Response& res, int status, const nlohmann::json& body);
// {"error":{"code":"<slug>","message":"..."}} with the status of error.code.
void send_error(httplib::Response& res, const Error& error);
void send_error(httplib::Response& res, ErrorCode code, std::string slug, std::string message);
// Default slug for a bare status (used when the HTTP library itself refuses a request).
const char* slug_for_status(int status);

}  // namespace trainbox::http
