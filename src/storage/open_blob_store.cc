#include <fmt/format.h>

#include "storage/blob_store.h"
#include "storage/file_blob_store.h"
#include "storage/memory_blob_store.h"
#include "storage/s3_blob_store.h"

namespace trainbox::storage {

Result<std::unique_ptr<BlobStore>> open_blob_store(std::string_view url) {
  constexpr std::string_view kFile = "file://";
  if (url.starts_with(kFile) && url.size() > kFile.size()) {
    return open_file_blob_store(std::string(url.substr(kFile.size())));
  }
  if (url == "memory://") return make_memory_blob_store();
  if (url.starts_with("s3://")) return open_s3_blob_store(url);
  return fail(ErrorCode::kInvalidArgument, "invalid_storage_url",
              fmt::format("unknown storage URL '{}': expected file:///path/blobs or "
                          "s3://bucket/prefix?endpoint=...",
                          url));
}

}  // namespace trainbox::storage
