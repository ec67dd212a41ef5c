#pragma once

#include <filesystem>
#include <memory>

#include "storage/blob_store.h"

namespace trainbox::storage {

// Blobs as files under `root`; writes go to a temp file in the same folder, then rename.
Result<std::unique_ptr<BlobStore>> open_file_blob_store(const std::filesystem::path& root);

}  // namespace trainbox::storage
