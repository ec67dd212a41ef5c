#pragma once
// A small blocking HTTP client over libcurl for the AWS backends (S3 now, DynamoDB later): one
// request per call on its own easy handle, so calls are safe from any number of threads. Bodies
// can stream from a file range and responses to a file, so a 2 GB blob never sits in memory.
// No libcurl type appears here: the rest of trainbox never includes curl.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "aws/header.h"
#include "util/result.h"

namespace trainbox::aws {

struct HttpRequest {
  std::string method = "GET";  // any verb; HEAD sends no body and reads none
  std::string url;             // already percent-encoded
  Headers headers;             // sent as given (a Host header here replaces curl's own)
  // The body: `body` unless `body_file` is set, then `body_length` bytes (default: to the end)
  // of that file from `body_offset`, read as they are sent.
  std::string body;
  std::filesystem::path body_file;
  std::uint64_t body_offset = 0;
  std::optional<std::uint64_t> body_length;
  // When set, a 2xx response body is written (and fsynced) here instead of into
  // HttpResponse::body; the file is created or truncated. Error bodies always go to `body`.
  std::filesystem::path response_file;
  std::chrono::milliseconds connect_timeout{10'000};
  std::chrono::milliseconds total_timeout{0};  // 0: none (a large transfer may take long)
  std::chrono::seconds stall_timeout{60};      // fail after this long below 1 byte/s
};

struct HttpResponse {
  long status = 0;
  Headers headers;  // names lowercased, in arrival order (of the final response)
  std::string body;
};

// Sends the request. Any HTTP status is a response; only transport failures (no connection,
// timeouts, a reset) are errors: kUnavailable "http_transport" naming the URL's host and curl's
// reason. A local file that cannot be read or written is the matching io error.
Result<HttpResponse> http_send(const HttpRequest& request);

}  // namespace trainbox::aws
