#pragma once
// The S3-compatible test server (tests/servers/s3.sh) as the contract suites use it: its URL with
// a prefix of the test's own spliced in before the '?', so tests never see each other's blobs,
// and s3rver's fixed credentials (S3RVER / S3RVER) put in the environment, where the S3 store
// reads them. With TRAINBOX_TEST_S3_URL set (a server started by hand) the environment's own
// AWS_* credentials are used instead.

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "tests/support/test_servers.h"

namespace trainbox::testing {

// nullopt when no server was started: the caller fails with missing_server_message("s3").
// `options` ("part_mb=5&...") are appended to the query; `bucket` replaces the server's bucket.
inline std::optional<std::string> s3_test_url(std::string_view prefix,
                                              std::string_view options = "",
                                              std::string_view bucket = "") {
  std::optional<std::string> url = test_server_url("s3");
  if (!url) return std::nullopt;
  if (std::getenv("TRAINBOX_TEST_S3_URL") == nullptr) {
    setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
    unsetenv("AWS_SESSION_TOKEN");
  }
  size_t question = url->find('?');
  std::string base = url->substr(0, question);
  std::string query = question == std::string::npos ? "" : url->substr(question + 1);
  constexpr std::string_view kScheme = "s3://";
  if (!bucket.empty()) {
    size_t slash = base.find('/', kScheme.size());
    base = std::string(kScheme) + std::string(bucket) +
           (slash == std::string::npos ? "" : base.substr(slash));
  }
  while (base.ends_with('/')) base.pop_back();
  std::string result = base + "/" + std::string(prefix);
  if (!query.empty() && !options.empty()) query += "&";
  query += options;
  return query.empty() ? result : result + "?" + query;
}

}  // namespace trainbox::testing
