// The S3 BlobStore: each BlobStore call maps to a few S3 REST calls through S3Client (which
// signs, retries and maps errors): PutObject or a multipart upload, GetObject into a temp file
// then rename, HeadObject, ListObjectsV2 page by page (continuation tokens), DeleteObjects in
// batches of 1000 (one DeleteObject per key where a server lacks DeleteObjects).

#include "storage/s3_blob_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <system_error>

#include "aws/credentials.h"
#include "storage/blob_key.h"
#include "storage/s3_client.h"
#include "storage/s3_multipart.h"
#include "storage/s3_xml.h"
#include "util/fs.h"
#include "util/ids.h"

namespace trainbox::storage {
namespace {
namespace fsys = std::filesystem;

constexpr size_t kDeleteBatch = 1000;  // DeleteObjects' limit

bool ok(const aws::HttpResponse& response) { return response.status / 100 == 2; }

class S3BlobStore final : public BlobStore {
 public:
  explicit S3BlobStore(S3Client client) : client_(std::move(client)) {}

  Status put_file(std::string_view key, const fsys::path& source) override;
  Status put_bytes(std::string_view key, std::string_view data) override;
  Status get_file(std::string_view key, const fsys::path& destination) override;
  Result<std::string> get_bytes(std::string_view key) override;
  Result<bool> exists(std::string_view key) override;
  Result<std::vector<std::string>> list(std::string_view prefix) override;
  Status remove_prefix(std::string_view prefix) override;

 private:
  std::string object_key(std::string_view key) const {
    return client_.config().prefix + std::string(key);
  }
  Status put(std::string_view key, S3Call call);
  Result<std::vector<std::string>> list_object_keys(const std::string& full_prefix);
  Status delete_batch(const std::vector<std::string>& object_keys, size_t begin, size_t end);
  Status delete_one_by_one(const std::vector<std::string>& object_keys, size_t begin, size_t end);

  S3Client client_;
};

Status S3BlobStore::put(std::string_view key, S3Call call) {
  call.method = "PUT";
  call.object_key = object_key(key);
  call.headers.push_back({"Content-Type", "application/octet-stream"});
  auto response = client_.send(call);
  TRAINBOX_TRY(response);
  if (!ok(*response)) return fail(client_.error_for(*response, fmt::format("put '{}'", key), ""));
  return {};
}

Status S3BlobStore::put_file(std::string_view key, const fsys::path& source) {
  TRAINBOX_TRY(validate_key(key));
  std::error_code error;
  std::uint64_t size = fsys::file_size(source, error);
  if (error) return fail(io_error(error.value(), "stat", source));
  if (size >= client_.config().multipart_threshold && size > 0) {
    return s3_multipart_upload(client_, object_key(key), key, source, size);
  }
  auto hash = sha256_of_file(source, 0, size);  // the streaming pass; the upload is the second
  TRAINBOX_TRY(hash);
  S3Call call;
  call.body_file = source;
  call.body_length = size;
  call.payload_sha256 = *hash;
  return put(key, std::move(call));
}

Status S3BlobStore::put_bytes(std::string_view key, std::string_view data) {
  TRAINBOX_TRY(validate_key(key));
  S3Call call;
  call.body = std::string(data);
  call.payload_sha256 = aws::sha256_hex(data);
  return put(key, std::move(call));
}

Status S3BlobStore::get_file(std::string_view key, const fsys::path& destination) {
  TRAINBOX_TRY(validate_key(key));
  fsys::path temp = destination.parent_path() /
                    fmt::format(".{}.tmp-{}", destination.filename().string(), new_task_id());
  S3Call call{.object_key = object_key(key), .response_file = temp};
  auto response = client_.send(call);
  Status result;
  if (!response) {
    result = fail(response.error());
  } else if (!ok(*response)) {
    result = fail(client_.error_for(*response, fmt::format("get '{}'", key), key));
  } else if (std::rename(temp.c_str(), destination.c_str()) != 0) {
    result = fail(io_error(errno, "rename", destination));
  }
  std::error_code ignored;
  if (!result) fsys::remove(temp, ignored);
  return result;
}

Result<std::string> S3BlobStore::get_bytes(std::string_view key) {
  TRAINBOX_TRY(validate_key(key));
  auto response = client_.send(S3Call{.object_key = object_key(key)});
  TRAINBOX_TRY(response);
  if (!ok(*response)) {
    return fail(client_.error_for(*response, fmt::format("get '{}'", key), key));
  }
  return std::move(response->body);
}

Result<bool> S3BlobStore::exists(std::string_view key) {
  TRAINBOX_TRY(validate_key(key));
  auto response = client_.send(S3Call{.method = "HEAD", .object_key = object_key(key)});
  TRAINBOX_TRY(response);
  if (response->status == 404) return false;
  if (!ok(*response)) {
    return fail(client_.error_for(*response, fmt::format("look up '{}'", key), key));
  }
  return true;
}

Result<std::vector<std::string>> S3BlobStore::list_object_keys(const std::string& full_prefix) {
  std::vector<std::string> keys;
  std::string token;
  while (true) {
    S3Call call{.query = {{"list-type", "2"},
                          {"prefix", full_prefix},
                          {"max-keys", std::to_string(client_.config().list_page_size)}}};
    if (!token.empty()) call.query.emplace_back("continuation-token", token);
    auto response = client_.send(call);
    TRAINBOX_TRY(response);
    if (!ok(*response)) {
      return fail(client_.error_for(*response, fmt::format("list '{}'", full_prefix), ""));
    }
    for (std::string& key : xml_texts(response->body, "Key")) keys.push_back(std::move(key));
    token = xml_text(response->body, "NextContinuationToken");
    if (xml_text(response->body, "IsTruncated") != "true" || token.empty()) return keys;
  }
}

Result<std::vector<std::string>> S3BlobStore::list(std::string_view prefix) {
  if (!prefix.empty()) TRAINBOX_TRY(validate_prefix(prefix));
  auto object_keys = list_object_keys(object_key(prefix));
  TRAINBOX_TRY(object_keys);
  const std::string& store_prefix = client_.config().prefix;
  std::vector<std::string> keys;
  for (const std::string& full : *object_keys) {
    // Objects that trainbox did not write (other names, "folder/" markers) are not blobs.
    if (full.starts_with(store_prefix) && validate_key(full.substr(store_prefix.size()))) {
      keys.push_back(full.substr(store_prefix.size()));
    }
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

Status S3BlobStore::delete_one_by_one(const std::vector<std::string>& object_keys, size_t begin,
                                      size_t end) {
  for (size_t i = begin; i < end; ++i) {
    auto response = client_.send(S3Call{.method = "DELETE", .object_key = object_keys[i]});
    TRAINBOX_TRY(response);
    if (!ok(*response) && response->status != 404) {
      return fail(client_.error_for(*response, fmt::format("delete '{}'", object_keys[i]), ""));
    }
  }
  return {};
}

Status S3BlobStore::delete_batch(const std::vector<std::string>& object_keys, size_t begin,
                                 size_t end) {
  std::string body = "<Delete><Quiet>true</Quiet>";
  for (size_t i = begin; i < end; ++i) {
    body += "<Object><Key>" + xml_escape(object_keys[i]) + "</Key></Object>";
  }
  body += "</Delete>";
  S3Call call{
      .method = "POST",
      .query = {{"delete", ""}},
      .headers = {{"Content-Type", "application/xml"}, {"Content-MD5", aws::md5_base64(body)}},
      .body = body};
  auto response = client_.send(call);
  TRAINBOX_TRY(response);
  if (response->status == 501 || response->status == 405) {
    return delete_one_by_one(object_keys, begin, end);  // a server without DeleteObjects
  }
  if (!ok(*response)) return fail(client_.error_for(*response, "delete blobs", ""));
  if (response->body.find("<Error>") != std::string::npos) {  // per-key failures, reply 200
    return fail(ErrorCode::kUnavailable, "storage_error",
                fmt::format("S3 could not delete '{}' in bucket '{}': {}: {}",
                            xml_text(response->body, "Key"), client_.config().bucket,
                            xml_text(response->body, "Code"), xml_text(response->body, "Message")));
  }
  return {};
}

Status S3BlobStore::remove_prefix(std::string_view prefix) {
  TRAINBOX_TRY(validate_prefix(prefix));
  auto object_keys = list_object_keys(object_key(prefix));
  TRAINBOX_TRY(object_keys);
  for (size_t begin = 0; begin < object_keys->size(); begin += kDeleteBatch) {
    TRAINBOX_TRY(
        delete_batch(*object_keys, begin, std::min(object_keys->size(), begin + kDeleteBatch)));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<BlobStore>> open_s3_blob_store(std::string_view url) {
  auto credentials = aws::credentials_from_env();
  TRAINBOX_TRY(credentials);
  auto config = parse_s3_url(url, aws::region_from_env());
  TRAINBOX_TRY(config);
  S3Client client(std::move(*config), std::move(*credentials));
  // A one-key listing rather than HeadBucket: the same permission (s3:ListBucket), and an error
  // reply has a body that says why (SignatureDoesNotMatch, NoSuchBucket, the bucket's region).
  auto response = client.send(
      S3Call{.query = {{"list-type", "2"}, {"max-keys", "1"}, {"prefix", client.config().prefix}}});
  TRAINBOX_TRY(response);
  if (!ok(*response)) return fail(client.error_for(*response, "open", ""));
  return std::unique_ptr<BlobStore>(std::make_unique<S3BlobStore>(std::move(client)));
}

}  // namespace trainbox::storage
