// Signing in and out: POST /api/v1/session exchanges an API token (or the one-time code printed
// at first start) for the page's session cookie; DELETE /api/v1/session removes it; GET
// /api/v1/me says who the credentials belong to, so the page knows whether to ask for them.

#include "http/credentials.h"
#include "http/handlers.h"
#include "http/multipart_upload.h"
#include "http/responses.h"

namespace trainbox::http {
namespace {

nlohmann::json user_json(const Caller& caller, service::AuthMode mode) {
  return {{"name", caller.user},
          {"admin", caller.is_admin},
          {"auth", mode == service::AuthMode::kNone ? "none" : "tokens"}};
}

Result<nlohmann::json> read_sign_in_body(const httplib::Request& req, const Reader& reader) {
  auto body = read_body(req, reader, 4 << 10);
  if (!body) return fail(body.error());
  auto json = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  bool has_token = json.is_object() && json.contains("token") && json["token"].is_string();
  bool has_code = json.is_object() && json.contains("code") && json["code"].is_string();
  if (has_token == has_code) {
    return fail(ErrorCode::kInvalidArgument, "invalid_sign_in",
                "send JSON {\"token\": \"tbx_...\"} or {\"code\": \"...\"} (the one-time code "
                "printed by the server at first start)");
  }
  return json;
}

}  // namespace

void handle_me(HttpContext& ctx, const Caller& caller, const httplib::Request&,
               httplib::Response& res) {
  send_json(res, 200, user_json(caller, ctx.accounts.mode()));
}

void handle_sign_in(HttpContext& ctx, const Caller&, const httplib::Request& req,
                    httplib::Response& res, const Reader& reader) {
  auto body = read_sign_in_body(req, reader);
  if (!body) return send_error(res, body.error());
  std::string token;
  nlohmann::json reply;
  if (body->contains("code")) {
    auto issued = ctx.accounts.redeem_sign_in_code((*body)["code"].get<std::string>());
    if (!issued) return send_error(res, issued.error());
    token = issued->token;
    // Shown once so the admin can keep it for API clients; it is never readable again.
    reply["token"] = token;
  } else {
    token = (*body)["token"].get<std::string>();
  }
  auto caller = ctx.accounts.authenticate(token);
  if (!caller) return send_error(res, caller.error());
  reply["user"] = user_json(*caller, ctx.accounts.mode());
  res.set_header("Set-Cookie", session_cookie(token));
  res.set_header("Cache-Control", "no-store");
  send_json(res, 200, reply);
}

void handle_sign_out(HttpContext&, const Caller&, const httplib::Request&, httplib::Response& res) {
  res.set_header("Set-Cookie", expired_session_cookie());
  res.status = 204;
}

}  // namespace trainbox::http
