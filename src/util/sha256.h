#pragma once
// SHA-256 (OpenSSL's libcrypto) of bytes in memory or of a file read in chunks, as lowercase hex.
// Used to record a model bundle at completion and check it before it is served or loaded.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "util/result.h"

namespace trainbox {

std::string sha256_hex_of(std::string_view data);

struct FileDigest {
  uint64_t size = 0;
  std::string sha256;  // lowercase hex
};
// kNotFound when the file is missing, kInternal on a read error.
Result<FileDigest> sha256_file(const std::filesystem::path& path);

}  // namespace trainbox
