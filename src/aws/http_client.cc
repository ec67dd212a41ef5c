// libcurl behind aws/http_client.h. Each call builds one easy handle, sets the callbacks that
// stream the body in (pread from the file range, so a retry or a rewind just resets a counter)
// and the response out (into the string, or into response_file once the status says 2xx), runs
// curl_easy_perform and turns curl's result into a Result. curl_global_init runs once.

#include "aws/http_client.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <mutex>

#include "util/fs.h"

namespace trainbox::aws {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

std::string url_without_query(std::string_view url) {
  return std::string(url.substr(0, url.find('?')));
}

class Transfer {
 public:
  explicit Transfer(const HttpRequest& request) : request_(request) {}
  ~Transfer() {
    if (in_fd_ >= 0) ::close(in_fd_);
    if (out_fd_ >= 0) ::close(out_fd_);
    if (header_list_ != nullptr) curl_slist_free_all(header_list_);
    if (curl_ != nullptr) curl_easy_cleanup(curl_);
  }
  Transfer(const Transfer&) = delete;
  Transfer& operator=(const Transfer&) = delete;

  Result<HttpResponse> run();

 private:
  static size_t on_read(char* buffer, size_t size, size_t count, void* self);
  static int on_seek(void* self, curl_off_t offset, int origin);
  static size_t on_write(char* data, size_t size, size_t count, void* self);
  static size_t on_header(char* data, size_t size, size_t count, void* self);

  Status open_body();
  void set_options();
  void set_body_options();
  Status finish_response_file();
  Status transport_error(CURLcode code);

  const HttpRequest& request_;
  CURL* curl_ = nullptr;
  curl_slist* header_list_ = nullptr;
  char error_buffer_[CURL_ERROR_SIZE] = {};
  HttpResponse response_;
  int in_fd_ = -1;
  std::uint64_t in_length_ = 0;
  std::uint64_t in_sent_ = 0;  // also the position in request_.body
  int read_errno_ = 0;
  int out_fd_ = -1;
  bool out_decided_ = false;
  int write_errno_ = 0;
};

size_t Transfer::on_read(char* buffer, size_t size, size_t count, void* self) {
  auto& t = *static_cast<Transfer*>(self);
  size_t capacity = size * count;
  if (t.in_fd_ < 0) {
    size_t n = std::min(capacity, t.request_.body.size() - static_cast<size_t>(t.in_sent_));
    t.request_.body.copy(buffer, n, static_cast<size_t>(t.in_sent_));
    t.in_sent_ += n;
    return n;
  }
  size_t want = static_cast<size_t>(std::min<std::uint64_t>(capacity, t.in_length_ - t.in_sent_));
  if (want == 0) return 0;
  ssize_t got;
  do {
    got = ::pread(t.in_fd_, buffer, want, static_cast<off_t>(t.request_.body_offset + t.in_sent_));
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {
    t.read_errno_ = got < 0 ? errno : EIO;  // EIO: the file shrank while it was being sent
    return CURL_READFUNC_ABORT;
  }
  t.in_sent_ += static_cast<std::uint64_t>(got);
  return static_cast<size_t>(got);
}

int Transfer::on_seek(void* self, curl_off_t offset, int origin) {
  if (origin != SEEK_SET || offset < 0) return CURL_SEEKFUNC_CANTSEEK;
  static_cast<Transfer*>(self)->in_sent_ = static_cast<std::uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

size_t Transfer::on_write(char* data, size_t size, size_t count, void* self) {
  auto& t = *static_cast<Transfer*>(self);
  size_t n = size * count;
  if (!t.out_decided_) {
    t.out_decided_ = true;
    long status = 0;
    curl_easy_getinfo(t.curl_, CURLINFO_RESPONSE_CODE, &status);
    if (status / 100 == 2 && !t.request_.response_file.empty()) {
      t.out_fd_ =
          ::open(t.request_.response_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (t.out_fd_ < 0) {
        t.write_errno_ = errno;
        return 0;  // aborts the transfer with CURLE_WRITE_ERROR
      }
    }
  }
  if (t.out_fd_ < 0) {
    t.response_.body.append(data, n);
    return n;
  }
  for (size_t done = 0; done < n;) {
    ssize_t wrote = ::write(t.out_fd_, data + done, n - done);
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote < 0) {
      t.write_errno_ = errno;
      return 0;
    }
    done += static_cast<size_t>(wrote);
  }
  return n;
}

size_t Transfer::on_header(char* data, size_t size, size_t count, void* self) {
  auto& t = *static_cast<Transfer*>(self);
  std::string_view line = trim(std::string_view(data, size * count));
  if (line.starts_with("HTTP/")) {
    t.response_.headers.clear();  // a new response (after 100 Continue or a redirect)
  } else if (auto colon = line.find(':'); colon != line.npos) {
    std::string name(trim(line.substr(0, colon)));
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    t.response_.headers.push_back({name, std::string(trim(line.substr(colon + 1)))});
  }
  return size * count;
}

Status Transfer::open_body() {
  if (request_.body_file.empty()) {
    in_length_ = request_.body.size();
    return {};
  }
  in_fd_ = ::open(request_.body_file.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat info {};
  if (in_fd_ < 0 || ::fstat(in_fd_, &info) != 0) {
    return fail(io_error(errno, "open", request_.body_file));
  }
  auto size = static_cast<std::uint64_t>(info.st_size);
  if (request_.body_offset > size) {
    return fail(ErrorCode::kInternal, "io_error",
                fmt::format("offset {} is past the end of {}", request_.body_offset,
                            request_.body_file.string()));
  }
  in_length_ = request_.body_length.value_or(size - request_.body_offset);
  return {};
}

void Transfer::set_body_options() {
  curl_easy_setopt(curl_, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl_, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(in_length_));
  curl_easy_setopt(curl_, CURLOPT_READFUNCTION, &Transfer::on_read);
  curl_easy_setopt(curl_, CURLOPT_READDATA, this);
  curl_easy_setopt(curl_, CURLOPT_SEEKFUNCTION, &Transfer::on_seek);
  curl_easy_setopt(curl_, CURLOPT_SEEKDATA, this);
}

void Transfer::set_options() {
  curl_easy_setopt(curl_, CURLOPT_URL, request_.url.c_str());
  curl_easy_setopt(curl_, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl_, CURLOPT_ERRORBUFFER, error_buffer_);
  curl_easy_setopt(curl_, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(request_.connect_timeout.count()));
  if (request_.total_timeout.count() > 0) {
    curl_easy_setopt(curl_, CURLOPT_TIMEOUT_MS, static_cast<long>(request_.total_timeout.count()));
  }
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl_, CURLOPT_LOW_SPEED_TIME,
                   static_cast<long>(request_.stall_timeout.count()));
  curl_easy_setopt(curl_, CURLOPT_HEADERFUNCTION, &Transfer::on_header);
  curl_easy_setopt(curl_, CURLOPT_HEADERDATA, this);
  curl_easy_setopt(curl_, CURLOPT_WRITEFUNCTION, &Transfer::on_write);
  curl_easy_setopt(curl_, CURLOPT_WRITEDATA, this);
  bool sends_body = request_.method == "PUT" || request_.method == "POST" ||
                    !request_.body.empty() || !request_.body_file.empty();
  if (request_.method == "HEAD") {
    curl_easy_setopt(curl_, CURLOPT_NOBODY, 1L);
  } else if (sends_body) {
    set_body_options();
  }
  if (request_.method != "GET" && request_.method != "HEAD" && request_.method != "PUT") {
    curl_easy_setopt(curl_, CURLOPT_CUSTOMREQUEST, request_.method.c_str());
  }
  // No "Expect: 100-continue" round trip: S3 answers errors before reading the body anyway.
  header_list_ = curl_slist_append(header_list_, "Expect:");
  for (const Header& header : request_.headers) {
    header_list_ = curl_slist_append(header_list_, (header.name + ": " + header.value).c_str());
  }
  curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, header_list_);
}

Status Transfer::finish_response_file() {
  if (request_.response_file.empty() || response_.status / 100 != 2) return {};
  if (out_fd_ < 0) {  // an empty body: the callback never ran, but the file must exist
    out_fd_ =
        ::open(request_.response_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd_ < 0) return fail(io_error(errno, "create", request_.response_file));
  }
  int fd = out_fd_;
  out_fd_ = -1;
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return fail(io_error(errno, "sync", request_.response_file));
  }
  return {};
}

Status Transfer::transport_error(CURLcode code) {
  if (code == CURLE_ABORTED_BY_CALLBACK && read_errno_ != 0) {
    return fail(io_error(read_errno_, "read", request_.body_file));
  }
  if (code == CURLE_WRITE_ERROR && write_errno_ != 0) {
    return fail(io_error(write_errno_, "write", request_.response_file));
  }
  std::string reason = error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(code);
  return fail(
      ErrorCode::kUnavailable, "http_transport",
      fmt::format("{} {} failed: {}", request_.method, url_without_query(request_.url), reason));
}

Result<HttpResponse> Transfer::run() {
  global_init();
  curl_ = curl_easy_init();
  if (curl_ == nullptr)
    return fail(ErrorCode::kInternal, "http_transport", "curl_easy_init failed");
  TRAINBOX_TRY(open_body());
  set_options();
  CURLcode code = curl_easy_perform(curl_);
  if (code != CURLE_OK) return fail(transport_error(code).error());
  curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response_.status);
  TRAINBOX_TRY(finish_response_file());
  return std::move(response_);
}

}  // namespace

Result<HttpResponse> http_send(const HttpRequest& request) {
  Transfer transfer(request);
  return transfer.run();
}

}  // namespace trainbox::aws
