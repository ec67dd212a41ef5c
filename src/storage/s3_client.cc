#include "storage/s3_client.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <random>
#include <thread>

#include "storage/s3_xml.h"
#include "util/fs.h"
#include "util/log.h"

namespace trainbox::storage {
namespace {

bool retryable(long status) { return status >= 500 || status == 429 || status == 408; }

void backoff(int attempt) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  auto base = std::chrono::milliseconds(200 << attempt);
  std::this_thread::sleep_for(base + std::chrono::milliseconds(jitter() % 100));
}

std::string s3_reason(const aws::HttpResponse& response) {
  std::string code = xml_text(response.body, "Code");
  std::string message = xml_text(response.body, "Message");
  if (code.empty()) return fmt::format("HTTP {}", response.status);
  return fmt::format("HTTP {} {}{}{}", response.status, code, message.empty() ? "" : ": ", message);
}

}  // namespace

aws::HttpRequest S3Client::build(const S3Call& call) const {
  aws::SigningRequest signing{call.method, config_.path_of(call.object_key), call.query,
                              call.headers, call.payload_sha256};
  if (signing.payload_sha256.empty()) {
    signing.payload_sha256 =
        call.body.empty() ? std::string(aws::kEmptySha256) : aws::sha256_hex(call.body);
  }
  signing.headers.push_back({"Host", config_.host});
  aws::sign_in_place(signing, credentials_, config_.region, "s3", std::chrono::system_clock::now(),
                     true);
  aws::HttpRequest request;
  request.method = call.method;
  request.url = config_.endpoint() + aws::canonical_path(signing.path);
  if (!call.query.empty()) request.url += "?" + aws::canonical_query(call.query);
  request.headers = std::move(signing.headers);
  request.body = call.body;
  request.body_file = call.body_file;
  request.body_offset = call.body_offset;
  request.body_length = call.body_length;
  request.response_file = call.response_file;
  return request;
}

Result<aws::HttpResponse> S3Client::send(const S3Call& call) const {
  Error last;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) backoff(attempt - 1);
    auto response = aws::http_send(build(call));  // signed anew: x-amz-date moves on
    if (response && !retryable(response->status)) return response;
    if (!response && response.error().slug != "http_transport") return response;  // a file error
    if (response && attempt + 1 == kAttempts) return response;
    last = response ? Error{ErrorCode::kUnavailable, "storage_unavailable", s3_reason(*response)}
                    : response.error();
    TRAINBOX_LOG_WARN("S3 {} {} attempt {} of {} failed: {}", call.method,
                      config_.path_of(call.object_key), attempt + 1, kAttempts, last.message);
  }
  return fail(ErrorCode::kUnavailable, "storage_unavailable",
              fmt::format("S3 at {} did not answer after {} attempts: {}", config_.endpoint(),
                          kAttempts, last.message));
}

Error S3Client::error_for(const aws::HttpResponse& response, std::string_view what,
                          std::string_view key) const {
  std::string code = xml_text(response.body, "Code");
  std::string reason = s3_reason(response);
  auto region = aws::find_header(response.headers, "x-amz-bucket-region");
  if (response.status == 403 && code != "AuthorizationHeaderMalformed") {
    return {ErrorCode::kUnavailable, "storage_forbidden",
            fmt::format("S3 denied access to bucket '{}' at {} ({}: {}): check the credentials "
                        "(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) and the "
                        "bucket's permissions",
                        config_.bucket, config_.endpoint(), what, reason)};
  }
  if (response.status == 404 && !key.empty() && code != "NoSuchBucket") {
    return {ErrorCode::kNotFound, "blob_not_found", fmt::format("no blob '{}'", key)};
  }
  if (response.status == 404) {
    return {ErrorCode::kUnavailable, "storage_bucket_not_found",
            fmt::format("S3 bucket '{}' does not exist at {}: create it, or fix the bucket in "
                        "the storage URL",
                        config_.bucket, config_.endpoint())};
  }
  if ((response.status == 301 || response.status == 400 || response.status == 403) && region) {
    return {ErrorCode::kUnavailable, "storage_wrong_region",
            fmt::format("S3 bucket '{}' is in region {}, not {}: put region={} in the storage URL",
                        config_.bucket, *region, config_.region, *region)};
  }
  ErrorCode error_code = response.status >= 500 ? ErrorCode::kUnavailable : ErrorCode::kInternal;
  return {error_code, response.status >= 500 ? "storage_unavailable" : "storage_error",
          fmt::format("S3 bucket '{}' at {} refused to {}: {}", config_.bucket, config_.endpoint(),
                      what, reason)};
}

Result<std::string> sha256_of_file(const std::filesystem::path& path, std::uint64_t offset,
                                   std::uint64_t length) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(io_error(errno, "open", path));
  aws::Sha256 hash;
  std::string buffer(1 << 20, '\0');
  while (length > 0) {
    size_t want = static_cast<size_t>(std::min<std::uint64_t>(buffer.size(), length));
    ssize_t got = ::pread(fd, buffer.data(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      int saved = got < 0 ? errno : EIO;  // EIO: the file is shorter than it was
      ::close(fd);
      return fail(io_error(saved, "read", path));
    }
    hash.update(std::string_view(buffer.data(), static_cast<size_t>(got)));
    offset += static_cast<std::uint64_t>(got);
    length -= static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  return hash.final_hex();
}

}  // namespace trainbox::storage
