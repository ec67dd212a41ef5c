#include "http/multipart_upload.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>

#include "util/fs.h"

namespace trainbox::http {
namespace {

tl::unexpected<Error> too_large(uint64_t limit) {
  return fail(ErrorCode::kPayloadTooLarge, "payload_too_large",
              fmt::format("the request body is larger than the limit of {} MiB", limit >> 20));
}

// Refuses before reading when the client announces a body over the limit.
Status check_content_length(const httplib::Request& req, uint64_t limit) {
  if (!req.has_header("Content-Length")) return {};
  const std::string value = req.get_header_value("Content-Length");
  char* end = nullptr;
  errno = 0;
  unsigned long long length = std::strtoull(value.c_str(), &end, 10);
  if (errno != 0 || end == value.c_str() || *end != '\0' || value.starts_with('-')) {
    return fail(ErrorCode::kInvalidArgument, "bad_content_length", "invalid Content-Length");
  }
  if (length > limit) return too_large(limit);
  return {};
}

// Writes one file part to disk as it arrives.
class FileSink {
 public:
  FileSink() = default;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;
  ~FileSink() { close(); }
  bool open(const std::filesystem::path& path) {
    close();
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    return fd_ >= 0;
  }
  bool write(const char* data, size_t size) {
    while (size > 0) {
      ssize_t written = ::write(fd_, data, size);
      if (written < 0 && errno == EINTR) continue;
      if (written < 0) {
        errno_ = errno;
        return false;
      }
      data += written;
      size -= static_cast<size_t>(written);
    }
    return true;
  }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int error() const { return errno_; }

 private:
  int fd_ = -1;
  int errno_ = 0;
};

struct ReadState {
  const UploadLimits& limits;
  UploadedForm form;
  FileSink sink;
  uint64_t total = 0;
  bool in_file = false;
  std::optional<Error> error;
};

bool on_part_header(ReadState& state, const httplib::MultipartFormData& part) {
  state.sink.close();
  const auto& names = state.limits.file_fields;
  state.in_file =
      !part.filename.empty() || std::find(names.begin(), names.end(), part.name) != names.end();
  if (!state.in_file) {
    state.form.fields[part.name];  // present even when empty
    return true;
  }
  UploadedFile file{part.name, part.filename, {}, {}, 0};
  if (!state.limits.disk_dir.empty()) {
    file.path = state.limits.disk_dir / fmt::format("part-{}", state.form.files.size());
    if (!state.sink.open(file.path)) {
      state.error = io_error(errno, "create upload file", file.path);
      return false;
    }
  }
  state.form.files.push_back(std::move(file));
  return true;
}

bool on_part_data(ReadState& state, const httplib::MultipartFormData& current, const char* data,
                  size_t size) {
  state.total += size;
  if (state.total > state.limits.max_total_bytes) {
    state.error = too_large(state.limits.max_total_bytes).value();
    return false;
  }
  if (!state.in_file) {
    std::string& field = state.form.fields[current.name];
    if (field.size() + size > state.limits.max_field_bytes) {
      state.error = Error{ErrorCode::kPayloadTooLarge, "field_too_large",
                          fmt::format("form field '{}' is larger than {} KiB", current.name,
                                      state.limits.max_field_bytes >> 10)};
      return false;
    }
    field.append(data, size);
    return true;
  }
  UploadedFile& file = state.form.files.back();
  file.size += size;
  if (file.path.empty()) {
    file.data.append(data, size);
    return true;
  }
  if (!state.sink.write(data, size)) {
    state.error = io_error(state.sink.error(), "write upload", file.path);
    return false;
  }
  return true;
}

}  // namespace

Result<UploadedForm> read_multipart(const httplib::Request& req,
                                    const httplib::ContentReader& reader,
                                    const UploadLimits& limits) {
  if (!req.is_multipart_form_data()) {
    return fail(ErrorCode::kUnsupportedMediaType, "unsupported_media_type",
                "send multipart/form-data");
  }
  TRAINBOX_TRY(check_content_length(req, limits.max_total_bytes));
  ReadState state{limits, {}, {}, 0, false, std::nullopt};
  httplib::MultipartFormData current;
  bool ok = reader(
      [&](const httplib::MultipartFormData& part) {
        current = part;
        return on_part_header(state, part);
      },
      [&](const char* data, size_t size) { return on_part_data(state, current, data, size); });
  state.sink.close();
  if (state.error) return fail(*state.error);
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "malformed_multipart",
                "the multipart/form-data body is malformed or was cut off");
  }
  return std::move(state.form);
}

Result<std::string> read_body(const httplib::Request& req, const httplib::ContentReader& reader,
                              uint64_t max_bytes) {
  TRAINBOX_TRY(check_content_length(req, max_bytes));
  std::string body;
  bool over = false;
  bool ok = reader([&](const char* data, size_t size) {
    if (body.size() + size > max_bytes) {
      over = true;
      return false;
    }
    body.append(data, size);
    return true;
  });
  if (over) return too_large(max_bytes);
  if (!ok) {
    return fail(ErrorCode::kInvalidArgument, "malformed_body", "the request body was cut off");
  }
  return body;
}

}  // namespace trainbox::http
