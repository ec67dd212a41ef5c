#pragma once
// S3 multipart upload of one file: CreateMultipartUpload, UploadPart for each part (each hashed
// then streamed from its file range), CompleteMultipartUpload; AbortMultipartUpload when any
// step fails, so no orphaned parts are left to bill (where the server supports abort).

#include <cstdint>
#include <filesystem>
#include <string>

#include "storage/s3_client.h"

namespace trainbox::storage {

// Uploads `size` bytes of `source` as `object_key`; `key` names the blob in errors.
Status s3_multipart_upload(const S3Client& client, const std::string& object_key,
                           std::string_view key, const std::filesystem::path& source,
                           std::uint64_t size);

}  // namespace trainbox::storage
