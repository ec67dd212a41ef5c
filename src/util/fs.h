#pragma once
// File helpers that never leave a half-written file visible: write to a temp name, fsync, rename.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"

namespace trainbox {

// Writes `data` to `path` atomically (temp file in the same folder + rename).
Status write_file_atomic(const std::filesystem::path& path, std::string_view data);
// Copies `src` to `dest` atomically.
Status copy_file_atomic(const std::filesystem::path& src, const std::filesystem::path& dest);
Result<std::string> read_file(const std::filesystem::path& path);
// Bytes an unprivileged writer can still put on the filesystem holding `path` (statvfs).
Result<uint64_t> available_bytes(const std::filesystem::path& path);

// A uniquely named folder that is removed with everything in it when the object dies.
class TempDir {
 public:
  explicit TempDir(const std::filesystem::path& parent, std::string_view prefix = "tmp");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Maps an errno from a failed write to the right error (ENOSPC -> kInsufficientStorage).
Error io_error(int errno_value, std::string_view what, const std::filesystem::path& path);

}  // namespace trainbox
