// GET /tasks/{id}/validation: the validation items behind a finished task's confusion matrix
// (its bundle's validation.json), for the page's "which items are in this cell" panel.

#include "http/handlers.h"
#include "http/responses.h"

namespace trainbox::http {

void handle_get_validation(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                           httplib::Response& res) {
  std::string id = req.matches.size() > 1 ? std::string(req.matches[1]) : std::string();
  auto items = ctx.service.validation_items(caller, id);
  if (!items) return send_error(res, items.error());
  // The body carries dataset file names and texts as they were uploaded: never let a browser
  // sniff it into something else.
  res.status = 200;
  res.set_content(*items, "application/json");
}

}  // namespace trainbox::http
