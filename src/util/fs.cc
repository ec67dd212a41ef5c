#include "util/fs.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <random>
#include <system_error>

namespace trainbox {
namespace fsys = std::filesystem;

namespace {

std::string random_suffix() {
  std::random_device device;
  return fmt::format("{:08x}{:08x}", device(), device());
}

fsys::path temp_sibling(const fsys::path& path) {
  return path.parent_path() / fmt::format(".{}.tmp-{}", path.filename().string(), random_suffix());
}

Status write_all(int fd, std::string_view data, const fsys::path& path) {
  while (!data.empty()) {
    ssize_t written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return fail(io_error(errno, "write", path));
    }
    data.remove_prefix(static_cast<size_t>(written));
  }
  return {};
}

Status finish_and_rename(int fd, const fsys::path& temp, const fsys::path& dest) {
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    return fail(io_error(saved, "sync", temp));
  }
  if (::rename(temp.c_str(), dest.c_str()) != 0) {
    int saved = errno;
    ::unlink(temp.c_str());
    return fail(io_error(saved, "rename", dest));
  }
  return {};
}

}  // namespace

Error io_error(int errno_value, std::string_view what, const fsys::path& path) {
  ErrorCode code = errno_value == ENOSPC ? ErrorCode::kInsufficientStorage : ErrorCode::kInternal;
  std::string slug = errno_value == ENOSPC ? "disk_full" : "io_error";
  return Error{
      code, slug,
      fmt::format("{} failed for {}: {}", what, path.string(), std::strerror(errno_value))};
}

Status write_file_atomic(const fsys::path& path, std::string_view data) {
  fsys::path temp = temp_sibling(path);
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return fail(io_error(errno, "create", temp));
  if (auto written = write_all(fd, data, temp); !written) {
    ::close(fd);
    ::unlink(temp.c_str());
    return written;
  }
  return finish_and_rename(fd, temp, path);
}

Status copy_file_atomic(const fsys::path& src, const fsys::path& dest) {
  int in = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return fail(io_error(errno, "open", src));
  fsys::path temp = temp_sibling(dest);
  int out = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    int saved = errno;
    ::close(in);
    return fail(io_error(saved, "create", temp));
  }
  std::string buffer(1 << 20, '\0');
  while (true) {
    ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got < 0) {
        int saved = errno;
        ::close(in);
        ::close(out);
        ::unlink(temp.c_str());
        return fail(io_error(saved, "read", src));
      }
      break;
    }
    if (auto written = write_all(out, {buffer.data(), static_cast<size_t>(got)}, temp); !written) {
      ::close(in);
      ::close(out);
      ::unlink(temp.c_str());
      return written;
    }
  }
  ::close(in);
  return finish_and_rename(out, temp, dest);
}

Result<std::string> read_file(const fsys::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::kNotFound, "file_not_found", "cannot open " + path.string());
  }
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return data;
}

TempDir::TempDir(const fsys::path& parent, std::string_view prefix) {
  fsys::create_directories(parent);
  path_ = parent / fmt::format("{}-{}", prefix, random_suffix());
  fsys::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fsys::remove_all(path_, ignored);
}

Result<uint64_t> available_bytes(const std::filesystem::path& path) {
  struct statvfs info {};
  if (::statvfs(path.c_str(), &info) != 0) return fail(io_error(errno, "cannot stat", path));
  return static_cast<uint64_t>(info.f_bavail) * info.f_frsize;
}

}  // namespace trainbox
