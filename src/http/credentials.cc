#include "http/credentials.h"

#include <fmt/format.h>

#include <cctype>
#include <string_view>

namespace trainbox::http {
namespace {

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) !=
        std::tolower(static_cast<unsigned char>(prefix[i]))) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

std::optional<std::string> cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    size_t end = header.find(';');
    std::string_view pair = trim(header.substr(0, end));
    header = end == std::string_view::npos ? std::string_view() : header.substr(end + 1);
    size_t equals = pair.find('=');
    if (equals != std::string_view::npos && trim(pair.substr(0, equals)) == name) {
      return std::string(trim(pair.substr(equals + 1)));
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> request_token(const httplib::Request& req) {
  std::string authorization = req.get_header_value("Authorization");
  if (starts_with_ignoring_case(authorization, "Bearer ")) {
    return std::string(trim(std::string_view(authorization).substr(7)));
  }
  if (!authorization.empty()) return std::string();  // another scheme: no valid token
  return cookie_value(req.get_header_value("Cookie"), kSessionCookie);
}

std::string session_cookie(const std::string& token) {
  return fmt::format("{}={}; Path=/api/; Max-Age=2592000; HttpOnly; SameSite=Strict",
                     kSessionCookie, token);
}

std::string expired_session_cookie() {
  return fmt::format("{}=; Path=/api/; Max-Age=0; HttpOnly; SameSite=Strict", kSessionCookie);
}

}  // namespace trainbox::http
