#include <fmt/format.h>

#include "storage/blob_store.h"
#include "storage/file_blob_store.h"
#include "storage/memory_blob_store.h"

namespace trainbox::storage {

Result<std::unique_ptr<BlobStore>> open_blob_store(std::string_view url) {
  constexpr std::string_view kFile = "file://";
  if (url.starts_with(kFile) && url.size() > kFile.size()) {
    return open_file_blob_store(std::string(url.substr(kFile.size())));
  }
  if (url == "memory://") return make_memory_blob_store();
  if (url.starts_with("s3://")) {
    return fail(ErrorCode::kInvalidArgument, "backend_not_built",
                "this trainbox was built without S3 support; use file:///path/blobs");
  }
  return fail(ErrorCode::kInvalidArgument, "invalid_storage_url",
              fmt::format("unknown storage URL '{}': expected file:///path/blobs", url));
}

}  // namespace trainbox::storage
