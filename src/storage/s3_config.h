#pragma once
// The S3 BlobStore's settings, parsed from its URL (DESIGN.md):
//   s3://BUCKET[/PREFIX]?endpoint=http://127.0.0.1:9000&region=us-east-1&addressing=path
// Options: endpoint (an S3-compatible server; default AWS), region (default: AWS_REGION /
// AWS_DEFAULT_REGION, else us-east-1), addressing=path|virtual (default: path with an endpoint,
// virtual-hosted https://BUCKET.s3.REGION.amazonaws.com without), multipart_threshold_mb
// (default 64), part_mb (default 16, at least 5 as S3 requires) and list_page_size (1..1000,
// default 1000; small values let tests walk continuation tokens).

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace trainbox::storage {

struct S3Config {
  std::string bucket;
  std::string prefix;  // "" or ends with '/'; prepended to every key
  std::string scheme;  // "http" or "https"
  std::string host;    // where requests go: "127.0.0.1:9000" or "BUCKET.s3.REGION.amazonaws.com"
  bool path_style = true;  // "/BUCKET/KEY" rather than "/KEY" on a per-bucket host
  std::string region;
  std::uint64_t multipart_threshold = std::uint64_t{64} << 20;
  std::uint64_t part_size = std::uint64_t{16} << 20;
  int list_page_size = 1000;

  std::string endpoint() const { return scheme + "://" + host; }
  // The request path of an object (full key, prefix included), or of the bucket for "".
  std::string path_of(std::string_view object_key) const;
};

// kInvalidArgument "invalid_storage_url" naming what is wrong.
Result<S3Config> parse_s3_url(std::string_view url, std::string_view default_region);

}  // namespace trainbox::storage
