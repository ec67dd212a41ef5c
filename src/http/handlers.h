#pragma once
// Every route's handler. Each parses the request into native types, calls the service, and maps
// the result to JSON and a status; none holds state of its own beyond HttpContext.

#include <httplib.h>

#include <atomic>

#include "http/server.h"
#include "service/accounts.h"

namespace trainbox::http {

struct HttpContext {
  service::TaskService& service;
  service::Accounts& accounts;
  HttpConfig config;
  std::atomic<int> open_event_streams{0};
};

using Reader = httplib::ContentReader;
using Caller = service::Caller;

void handle_health(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                   httplib::Response& res);
void handle_openapi(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                    httplib::Response& res);
void handle_me(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
               httplib::Response& res);
void handle_sign_in(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                    httplib::Response& res, const Reader& reader);
void handle_sign_out(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                     httplib::Response& res);
void handle_list_backbones(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                           httplib::Response& res);
void handle_create_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res, const Reader& reader);
void handle_list_tasks(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                       httplib::Response& res);
void handle_get_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                     httplib::Response& res);
void handle_task_events(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res);
void handle_predict(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                    httplib::Response& res, const Reader& reader);
void handle_get_model(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                      httplib::Response& res);
void handle_get_validation(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                           httplib::Response& res);
void handle_cancel_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res, const Reader& reader);
void handle_delete_task(HttpContext& ctx, const Caller& caller, const httplib::Request& req,
                        httplib::Response& res);

}  // namespace trainbox::http
