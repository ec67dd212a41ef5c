#pragma once
// BlobStore: where uploaded datasets and trained bundles live, by key ("tasks/<id>/dataset.zip").
// Keys are validated (see blob_key.h) before any backend sees them, so no key can name a path
// outside the store. A put is atomic: readers see the whole old blob or the whole new one.
// Implementations are safe for concurrent use.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace trainbox::storage {

class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Status put_file(std::string_view key, const std::filesystem::path& source) = 0;
  virtual Status put_bytes(std::string_view key, std::string_view data) = 0;
  // Copies the blob to `destination` (atomically); kNotFound if absent.
  virtual Status get_file(std::string_view key, const std::filesystem::path& destination) = 0;
  virtual Result<std::string> get_bytes(std::string_view key) = 0;
  virtual Result<bool> exists(std::string_view key) = 0;
  virtual Result<std::vector<std::string>> list(std::string_view prefix) = 0;  // sorted keys
  // Removes every blob whose key starts with `prefix` (which must end with '/').
  virtual Status remove_prefix(std::string_view prefix) = 0;
};

// "file:///abs/path/blobs" (or "file://relative/blobs"); "s3://bucket/prefix?region=R" (AWS) or
// "s3://bucket/prefix?endpoint=http://host:port&region=R" (S3-compatible; see s3_config.h);
// "memory://" for tests.
Result<std::unique_ptr<BlobStore>> open_blob_store(std::string_view url);

}  // namespace trainbox::storage
