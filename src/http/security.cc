#include "http/security.h"

#include <fmt/format.h>

#include <algorithm>
#include <regex>

namespace trainbox::http {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// "name:port", "[v6]:port" or "name" -> "name" (v6 addresses keep their brackets).
std::string host_name(std::string_view authority) {
  if (authority.starts_with('[')) {
    auto end = authority.find(']');
    return lower(authority.substr(0, end == std::string_view::npos ? end : end + 1));
  }
  auto colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(':') == colon) {
    authority = authority.substr(0, colon);
  }
  return lower(authority);
}

bool is_state_changing(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH" || method == "DELETE";
}

std::string strip_slash(std::string text) {
  while (!text.empty() && text.back() == '/') text.pop_back();
  return text;
}

}  // namespace

std::vector<std::string> allowed_host_names(const std::vector<std::string>& allowed,
                                            const std::string& bind_host) {
  std::vector<std::string> names;
  names.reserve(allowed.size());
  for (const auto& name : allowed) names.push_back(name == "*" ? name : host_name(name));
  if (!names.empty()) return names;
  names = {"localhost", "127.0.0.1", "[::1]"};
  if (bind_host != "0.0.0.0" && bind_host != "::" && !bind_host.empty()) {
    names.push_back(host_name(bind_host.find(':') != std::string::npos && bind_host[0] != '['
                                  ? "[" + bind_host + "]"
                                  : bind_host));
  }
  return names;
}

httplib::Headers security_headers() {
  return {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; worker-src 'self' blob:; font-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; base-uri 'none'; form-action 'self'"},
      {"X-Frame-Options", "DENY"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
  };
}

std::string security_header_lines() {
  std::string lines;
  for (const auto& [name, value] : security_headers()) {
    lines.append(name).append(": ").append(value).append("\r\n");
  }
  return lines;
}

std::optional<Refusal> check_browser_request(const httplib::Request& req,
                                             const std::vector<std::string>& hosts,
                                             const std::vector<std::string>& origins) {
  std::string host = req.get_header_value("Host");
  bool any_host = std::find(hosts.begin(), hosts.end(), "*") != hosts.end();
  if (!host.empty() && !any_host &&
      std::find(hosts.begin(), hosts.end(), host_name(host)) == hosts.end()) {
    return Refusal{421, "host_not_allowed",
                   fmt::format("this server is not served under the name '{}'; to allow it, "
                               "start it with --allowed-hosts {} (or TRAINBOX_ALLOWED_HOSTS)",
                               host_name(host), host_name(host))};
  }
  if (!is_state_changing(req.method) || !req.has_header("Origin")) return std::nullopt;
  std::string origin = lower(strip_slash(req.get_header_value("Origin")));
  if (!host.empty() && (origin == "http://" + lower(host) || origin == "https://" + lower(host))) {
    return std::nullopt;
  }
  for (const auto& allowed : origins) {
    if (allowed == "*" || lower(strip_slash(allowed)) == origin) return std::nullopt;
  }
  return Refusal{403, "origin_not_allowed",
                 fmt::format("requests from the web origin '{}' are not allowed; to allow it, "
                             "start the server with --allowed-origins {}",
                             origin, origin)};
}

std::string scrub_paths(std::string_view message) {
  // A source reference: "src/x/y.cc:12", "file.h", with or without a line number.
  static const std::regex kSource(R"([\w./-]*\.(cc|cpp|cxx|hpp|h)(:\d+)?\b)");
  // An absolute path after a start, a space, a quote, a bracket or '='; not an API path.
  static const std::regex kPath(
      R"((^|[\s'"(\[=])/(?!api/|\s|$)([^\s'"()\[\],;]*/)?([^\s'"()\[\],;/]*))");
  std::string text = std::regex_replace(std::string(message), kSource, "(source)");
  return std::regex_replace(text, kPath, "$1$3");
}

}  // namespace trainbox::http
