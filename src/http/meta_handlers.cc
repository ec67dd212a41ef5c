// Service-level routes: health and the OpenAPI document.

#include "http/handlers.h"
#include "http/responses.h"

namespace trainbox::embedded {
std::string_view openapi_json();
}

namespace trainbox::http {

void handle_health(HttpContext&, const httplib::Request&, httplib::Response& res) {
  send_json(res, 200, {{"status", "ok"}, {"version", TRAINBOX_VERSION}});
}

void handle_openapi(HttpContext&, const httplib::Request&, httplib::Response& res) {
  res.status = 200;
  res.set_content(std::string(embedded::openapi_json()), "application/json");
}

}  // namespace trainbox::http
