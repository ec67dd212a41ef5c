#include "http/routes.h"

namespace trainbox::http {

const std::vector<Route>& routes() {
  static const std::string kId = "([^/]+)";
  static const std::vector<Route> kRoutes = {
      {"GET", "/api/v1/health", "/api/v1/health", PlainHandler(handle_health), Access::kPublic},
      {"GET", "/api/v1/openapi.json", "/api/v1/openapi.json", PlainHandler(handle_openapi),
       Access::kPublic},
      {"POST", "/api/v1/session", "/api/v1/session", ReaderHandler(handle_sign_in),
       Access::kPublic},
      {"DELETE", "/api/v1/session", "/api/v1/session", PlainHandler(handle_sign_out),
       Access::kPublic},
      {"GET", "/api/v1/me", "/api/v1/me", PlainHandler(handle_me)},
      {"GET", "/api/v1/backbones", "/api/v1/backbones", PlainHandler(handle_list_backbones)},
      {"POST", "/api/v1/tasks", "/api/v1/tasks", ReaderHandler(handle_create_task)},
      {"GET", "/api/v1/tasks", "/api/v1/tasks", PlainHandler(handle_list_tasks)},
      {"GET", "/api/v1/tasks/" + kId, "/api/v1/tasks/{id}", PlainHandler(handle_get_task)},
      {"DELETE", "/api/v1/tasks/" + kId, "/api/v1/tasks/{id}", PlainHandler(handle_delete_task)},
      {"GET", "/api/v1/tasks/" + kId + "/events", "/api/v1/tasks/{id}/events",
       PlainHandler(handle_task_events)},
      {"POST", "/api/v1/tasks/" + kId + "/predict", "/api/v1/tasks/{id}/predict",
       ReaderHandler(handle_predict)},
      {"GET", "/api/v1/tasks/" + kId + "/model", "/api/v1/tasks/{id}/model",
       PlainHandler(handle_get_model)},
      {"GET", "/api/v1/tasks/" + kId + "/validation", "/api/v1/tasks/{id}/validation",
       PlainHandler(handle_get_validation)},
      {"POST", "/api/v1/tasks/" + kId + "/cancel", "/api/v1/tasks/{id}/cancel",
       ReaderHandler(handle_cancel_task)},
  };
  return kRoutes;
}

}  // namespace trainbox::http
