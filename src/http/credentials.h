#pragma once
// Where a request carries its API token: `Authorization: Bearer <token>` (API clients), or the
// session cookie the page gets from POST /api/v1/session (EventSource and download links cannot
// send headers). The cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's
// request carries it) and scoped to /api/, so the token never appears in a URL or in page script.

#include <httplib.h>

#include <optional>
#include <string>

namespace trainbox::http {

inline constexpr const char* kSessionCookie = "trainbox_session";

// The bearer token if the Authorization header has one, else the session cookie's value.
std::optional<std::string> request_token(const httplib::Request& req);
// Set-Cookie values that store `token` for 30 days, and that remove it.
std::string session_cookie(const std::string& token);
std::string expired_session_cookie();

}  // namespace trainbox::http
