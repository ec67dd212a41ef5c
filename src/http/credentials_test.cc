#include "http/credentials.h"

#include <gtest/gtest.h>

namespace trainbox::http {
namespace {

httplib::Request request(const std::string& authorization, const std::string& cookie) {
  httplib::Request req;
  if (!authorization.empty()) req.set_header("Authorization", authorization);
  if (!cookie.empty()) req.set_header("Cookie", cookie);
  return req;
}

TEST(Credentials, BearerHeaderWinsAndItsSchemeIsCaseInsensitive) {
  EXPECT_EQ(request_token(request("Bearer tbx_a", "")), "tbx_a");
  EXPECT_EQ(request_token(request("bearer  tbx_b ", "")), "tbx_b");
  EXPECT_EQ(request_token(request("Bearer tbx_a", "trainbox_session=tbx_c")), "tbx_a");
}

TEST(Credentials, AnotherSchemeIsAnEmptyTokenNotTheCookie) {
  EXPECT_EQ(request_token(request("Basic dXNlcjpwYXNz", "trainbox_session=tbx_c")), "");
}

TEST(Credentials, TheSessionCookieIsFoundAmongOthers) {
  EXPECT_EQ(request_token(request("", "a=1; trainbox_session=tbx_c; b=2")), "tbx_c");
  EXPECT_EQ(request_token(request("", "trainbox_sessionx=1")), std::nullopt);
  EXPECT_EQ(request_token(request("", "")), std::nullopt);
}

TEST(Credentials, TheCookieIsHttpOnlyStrictAndScopedToTheApi) {
  std::string cookie = session_cookie("tbx_x");
  for (const char* part : {"trainbox_session=tbx_x", "HttpOnly", "SameSite=Strict", "Path=/api/"}) {
    EXPECT_NE(cookie.find(part), std::string::npos) << cookie;
  }
  EXPECT_NE(expired_session_cookie().find("Max-Age=0"), std::string::npos);
}

}  // namespace
}  // namespace trainbox::http
