#pragma once
// Signed S3 requests for the S3 BlobStore: builds the URL and headers for one call, signs it with
// SigV4 at each attempt, retries what may pass on a second try (connection errors, timeouts,
// HTTP 5xx and 429) a bounded number of times with exponential backoff, and turns S3's error
// replies into errors a person can act on. Immutable after construction: safe from any thread.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "aws/http_client.h"
#include "aws/sigv4.h"
#include "storage/s3_config.h"
#include "util/result.h"

namespace trainbox::storage {

struct S3Call {
  std::string method = "GET";
  std::string object_key{};  // the full key in the bucket (prefix included); "" for the bucket
  std::vector<aws::QueryParam> query{};
  aws::Headers headers{};
  // The body: `body`, or `body_length` bytes of `body_file` from `body_offset` (streamed).
  std::string body{};
  std::filesystem::path body_file{};
  std::uint64_t body_offset = 0;
  std::optional<std::uint64_t> body_length{};
  std::string payload_sha256{};  // required with body_file; computed from `body` when empty
  std::filesystem::path response_file{};  // a 2xx body streams here (see aws::HttpRequest)
};

class S3Client {
 public:
  static constexpr int kAttempts = 4;  // one try and three retries: 0.2 s, 0.4 s, 0.8 s apart

  S3Client(S3Config config, aws::Credentials credentials)
      : config_(std::move(config)), credentials_(std::move(credentials)) {}

  const S3Config& config() const { return config_; }

  // The response to the last attempt, whatever its status; kUnavailable "storage_unavailable"
  // when every attempt failed in transport; a local file error as it is.
  Result<aws::HttpResponse> send(const S3Call& call) const;

  // The error for a reply that is not 2xx, about `what` ("get 'tasks/x/dataset.zip'"):
  // 403 kUnavailable "storage_forbidden" (check the credentials), 404 kNotFound "blob_not_found"
  // for `key` or kUnavailable "storage_bucket_not_found", a redirect or region mismatch
  // "storage_wrong_region", 5xx "storage_unavailable", anything else "storage_error".
  Error error_for(const aws::HttpResponse& response, std::string_view what,
                  std::string_view key) const;

 private:
  aws::HttpRequest build(const S3Call& call) const;

  S3Config config_;
  aws::Credentials credentials_;
};

// SHA-256 (hex) of `length` bytes of `path` from `offset`, read in 1 MiB pieces.
Result<std::string> sha256_of_file(const std::filesystem::path& path, std::uint64_t offset,
                                   std::uint64_t length);

}  // namespace trainbox::storage
