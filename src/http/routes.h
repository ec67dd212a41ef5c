#pragma once
// The one route table. Each route names its method, the regex the HTTP library matches, the
// OpenAPI path it is documented under (a test checks the two agree), and its handler.

#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "http/handlers.h"

namespace trainbox::http {

using PlainHandler =
    std::function<void(HttpContext&, const Caller&, const httplib::Request&, httplib::Response&)>;
using ReaderHandler = std::function<void(HttpContext&, const Caller&, const httplib::Request&,
                                         httplib::Response&, const Reader&)>;

// Who may call a route. kPublic routes run without credentials (their Caller is anonymous); every
// other route answers 401 before its handler (and before any body is read) without a valid token.
enum class Access { kPublic, kSignedIn };

struct Route {
  std::string method;        // "GET" | "POST" | "DELETE"
  std::string pattern;       // regex, with the task id as group 1
  std::string openapi_path;  // e.g. "/api/v1/tasks/{id}"
  std::variant<PlainHandler, ReaderHandler> handler;
  Access access = Access::kSignedIn;
};

const std::vector<Route>& routes();

}  // namespace trainbox::http
