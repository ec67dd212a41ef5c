#pragma once
// The S3 BlobStore ("s3://BUCKET/PREFIX?endpoint=...&region=..."; options in s3_config.h), for
// AWS S3 and S3-compatible servers. Credentials come from AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN when it opens. Files stream both ways (a file is
// hashed in one pass for x-amz-content-sha256, then sent; a download lands in a temp file that
// is renamed); files from multipart_threshold_mb up go as a multipart upload. Safe for
// concurrent use: every call is its own set of HTTP requests.

#include <memory>
#include <string_view>

#include "storage/blob_store.h"

namespace trainbox::storage {

// Checks the bucket at once: a missing bucket is kUnavailable "storage_bucket_not_found", bad
// credentials "storage_forbidden", missing ones "aws_credentials_missing".
Result<std::unique_ptr<BlobStore>> open_s3_blob_store(std::string_view url);

}  // namespace trainbox::storage
