#include "http/security.h"

#include <gtest/gtest.h>

namespace trainbox::http {
namespace {

TEST(ScrubPaths, AbsolutePathsBecomeFileNames) {
  EXPECT_EQ(scrub_paths("cannot open /work/data/tasks/ab/model.zip"), "cannot open model.zip");
  EXPECT_EQ(scrub_paths("filesystem error: cannot create directories: Not a directory "
                        "[/tmp/api-test-1/data/uploads/upload-x]"),
            "filesystem error: cannot create directories: Not a directory [upload-x]");
  EXPECT_EQ(scrub_paths("'/var/lib/x.csv' is empty"), "'x.csv' is empty");
  EXPECT_EQ(scrub_paths("/srv/a b"), "a b");
}

TEST(ScrubPaths, SourceNamesGoApiPathsStay) {
  EXPECT_EQ(scrub_paths("assert failed at src/ml/train.cc:42"), "assert failed at (source)");
  EXPECT_EQ(scrub_paths("poll GET /api/v1/tasks/{id} instead"),
            "poll GET /api/v1/tasks/{id} instead");
  EXPECT_EQ(scrub_paths("a/b relative and 3/4 stay"), "a/b relative and 3/4 stay");
  EXPECT_EQ(scrub_paths("see http://example.com/x"), "see http://example.com/x");
}

TEST(AllowedHosts, DefaultsAreLoopbackAndTheBoundName) {
  auto names = allowed_host_names({}, "0.0.0.0");
  EXPECT_EQ(names, (std::vector<std::string>{"localhost", "127.0.0.1", "[::1]"}));
  EXPECT_EQ(allowed_host_names({}, "box.lan").back(), "box.lan");
  EXPECT_EQ(allowed_host_names({}, "::1").back(), "[::1]");
  EXPECT_EQ(allowed_host_names({"Box.LAN:8080", "*"}, "0.0.0.0"),
            (std::vector<std::string>{"box.lan", "*"}));
}

httplib::Request request(std::string method, httplib::Headers headers) {
  httplib::Request req;
  req.method = std::move(method);
  req.headers = std::move(headers);
  return req;
}

TEST(BrowserChecks, HostAndOrigin) {
  std::vector<std::string> hosts = {"localhost", "127.0.0.1", "[::1]"};
  EXPECT_FALSE(check_browser_request(request("GET", {{"Host", "[::1]:80"}}), hosts, {}));
  EXPECT_FALSE(check_browser_request(request("GET", {}), hosts, {}));
  EXPECT_EQ(check_browser_request(request("GET", {{"Host", "evil:1"}}), hosts, {})->status, 421);
  auto post = [](std::string origin) {
    return request("POST", {{"Host", "localhost:8080"}, {"Origin", std::move(origin)}});
  };
  EXPECT_FALSE(check_browser_request(post("http://localhost:8080"), hosts, {}));
  EXPECT_FALSE(check_browser_request(post("http://app.example/"), hosts, {"http://app.example"}));
  EXPECT_EQ(check_browser_request(post("http://localhost:9090"), hosts, {})->slug,
            "origin_not_allowed");
  EXPECT_EQ(check_browser_request(post("null"), hosts, {})->status, 403);
  EXPECT_FALSE(check_browser_request(
      request("GET", {{"Host", "localhost"}, {"Origin", "http://x"}}), hosts, {}));
}

}  // namespace
}  // namespace trainbox::http
