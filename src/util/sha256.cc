#include "util/sha256.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>

namespace trainbox {
namespace {

struct DigestContext {
  DigestContext() : context(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (context) EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  }
  void update(const void* data, size_t size) { EVP_DigestUpdate(context.get(), data, size); }
  std::string hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
    unsigned int size = 0;
    EVP_DigestFinal_ex(context.get(), out.data(), &size);
    std::string text;
    text.reserve(size_t{size} * 2);
    for (unsigned int i = 0; i < size; ++i) text += fmt::format("{:02x}", out[i]);
    return text;
  }
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context;
};

}  // namespace

std::string sha256_hex_of(std::string_view data) {
  DigestContext digest;
  digest.update(data.data(), data.size());
  return digest.hex();
}

Result<FileDigest> sha256_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    bool missing = errno == ENOENT;
    return fail(missing ? ErrorCode::kNotFound : ErrorCode::kInternal,
                missing ? "file_not_found" : "io_error",
                fmt::format("cannot open {}: {}", path.filename().string(), std::strerror(errno)));
  }
  DigestContext digest;
  FileDigest result;
  std::array<char, 1 << 16> chunk{};
  while (in) {
    in.read(chunk.data(), chunk.size());
    auto got = static_cast<size_t>(in.gcount());
    digest.update(chunk.data(), got);
    result.size += got;
  }
  if (in.bad()) {
    return fail(ErrorCode::kInternal, "io_error",
                fmt::format("cannot read {}", path.filename().string()));
  }
  result.sha256 = digest.hex();
  return result;
}

}  // namespace trainbox
