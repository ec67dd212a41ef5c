// Service-level routes: health, the OpenAPI document and the installed backbones.

#include "http/handlers.h"
#include "http/responses.h"
#include "ml/backbones.h"

namespace trainbox::embedded {
std::string_view openapi_json();
}

namespace trainbox::http {

void handle_health(HttpContext&, const Caller&, const httplib::Request&, httplib::Response& res) {
  send_json(res, 200, {{"status", "ok"}, {"version", TRAINBOX_VERSION}});
}

void handle_openapi(HttpContext&, const Caller&, const httplib::Request&, httplib::Response& res) {
  res.status = 200;
  res.set_content(std::string(embedded::openapi_json()), "application/json");
}

// What a task's `backbone` option can name, beside auto and the built-in CNNs. The folder's path
// is not shown: it says nothing to a user of the API and something to an attacker.
void handle_list_backbones(HttpContext& ctx, const Caller&, const httplib::Request&,
                           httplib::Response& res) {
  auto list = nlohmann::json::array();
  for (auto& entry : ml::list_backbones(ctx.config.backbones_dir)) {
    nlohmann::json item = {{"name", entry["name"]}};
    for (const char* key : {"input_size", "feature_dim", "feature_gflops", "parameters", "error"}) {
      if (entry.contains(key)) item[key] = entry[key];
    }
    if (entry.contains("source")) {
      const auto& source = entry["source"];
      item["source"] = nlohmann::json::object();
      for (const char* key : {"package", "version", "licence", "model_path", "format"}) {
        if (source.contains(key)) item["source"][key] = source[key];
      }
    }
    list.push_back(std::move(item));
  }
  send_json(res, 200, {{"backbones", list}, {"builtin", {"tiny_cnn", "cnn_224"}}});
}

}  // namespace trainbox::http
