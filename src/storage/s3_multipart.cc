#include "storage/s3_multipart.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "storage/s3_xml.h"
#include "util/log.h"

namespace trainbox::storage {
namespace {

constexpr std::uint64_t kMaxParts = 10'000;  // S3's limit

Result<std::string> create_upload(const S3Client& client, const std::string& object_key,
                                  std::string_view key) {
  S3Call call{.method = "POST",
              .object_key = object_key,
              .query = {{"uploads", ""}},
              .headers = {{"Content-Type", "application/octet-stream"}}};
  auto response = client.send(call);
  TRAINBOX_TRY(response);
  if (response->status / 100 != 2) {
    return fail(client.error_for(*response, fmt::format("start uploading '{}'", key), ""));
  }
  std::string upload_id = xml_text(response->body, "UploadId");
  if (upload_id.empty()) {
    return fail(ErrorCode::kUnavailable, "storage_error",
                fmt::format("S3 gave no UploadId for '{}'", key));
  }
  return upload_id;
}

Result<std::string> upload_part(const S3Client& client, const std::string& object_key,
                                std::string_view key, const std::string& upload_id, int number,
                                const std::filesystem::path& source, std::uint64_t offset,
                                std::uint64_t length) {
  auto hash = sha256_of_file(source, offset, length);
  TRAINBOX_TRY(hash);
  S3Call call{.method = "PUT",
              .object_key = object_key,
              .query = {{"partNumber", std::to_string(number)}, {"uploadId", upload_id}}};
  call.body_file = source;
  call.body_offset = offset;
  call.body_length = length;
  call.payload_sha256 = *hash;
  auto response = client.send(call);
  TRAINBOX_TRY(response);
  if (response->status / 100 != 2) {
    return fail(
        client.error_for(*response, fmt::format("upload part {} of '{}'", number, key), ""));
  }
  auto etag = aws::find_header(response->headers, "etag");
  if (!etag || etag->empty()) {
    return fail(ErrorCode::kUnavailable, "storage_error",
                fmt::format("S3 gave no ETag for part {} of '{}'", number, key));
  }
  return *etag;
}

Status complete_upload(const S3Client& client, const std::string& object_key, std::string_view key,
                       const std::string& upload_id, const std::vector<std::string>& etags) {
  std::string body = "<CompleteMultipartUpload>";
  for (size_t i = 0; i < etags.size(); ++i) {
    body += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", i + 1,
                        xml_escape(etags[i]));
  }
  body += "</CompleteMultipartUpload>";
  S3Call call{.method = "POST",
              .object_key = object_key,
              .query = {{"uploadId", upload_id}},
              .headers = {{"Content-Type", "application/xml"}},
              .body = body};
  auto response = client.send(call);
  TRAINBOX_TRY(response);
  // S3 may answer 200 and still fail: the error is then in the body.
  if (response->status / 100 != 2 || response->body.find("<Error>") != std::string::npos) {
    return fail(client.error_for(*response, fmt::format("finish uploading '{}'", key), ""));
  }
  return {};
}

void abort_upload(const S3Client& client, const std::string& object_key,
                  const std::string& upload_id) {
  auto response = client.send(
      S3Call{.method = "DELETE", .object_key = object_key, .query = {{"uploadId", upload_id}}});
  if (!response || response->status / 100 != 2) {
    TRAINBOX_LOG_WARN(
        "S3 did not abort multipart upload {} of {} ({}); its parts may linger", upload_id,
        object_key, response ? fmt::format("HTTP {}", response->status) : response.error().message);
  }
}

}  // namespace

Status s3_multipart_upload(const S3Client& client, const std::string& object_key,
                           std::string_view key, const std::filesystem::path& source,
                           std::uint64_t size) {
  std::uint64_t part_size = std::max(client.config().part_size, (size + kMaxParts - 1) / kMaxParts);
  auto upload_id = create_upload(client, object_key, key);
  TRAINBOX_TRY(upload_id);
  std::vector<std::string> etags;
  for (std::uint64_t offset = 0; offset < size; offset += part_size) {
    auto etag = upload_part(client, object_key, key, *upload_id, static_cast<int>(etags.size() + 1),
                            source, offset, std::min(part_size, size - offset));
    if (!etag) {
      abort_upload(client, object_key, *upload_id);
      return fail(etag.error());
    }
    etags.push_back(*etag);
  }
  if (auto done = complete_upload(client, object_key, key, *upload_id, etags); !done) {
    abort_upload(client, object_key, *upload_id);
    return done;
  }
  return {};
}

}  // namespace trainbox::storage
