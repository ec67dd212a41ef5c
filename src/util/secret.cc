#include "util/secret.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdexcept>
#include <vector>

namespace trainbox {
namespace {

constexpr std::string_view kTokenPrefix = "tbx_";
constexpr size_t kTokenBytes = 32;

bool is_lower_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

}  // namespace

std::string random_hex(size_t bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::vector<unsigned char> raw(bytes);
  // A failing CSPRNG leaves no safe fallback: nothing may be issued from a weak source.
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1) {
    throw std::runtime_error("the system random generator failed");
  }
  std::string text;
  text.reserve(bytes * 2);
  for (unsigned char byte : raw) {
    text += kHex[byte >> 4];
    text += kHex[byte & 0xF];
  }
  return text;
}

std::string new_api_token() { return std::string(kTokenPrefix) + random_hex(kTokenBytes); }

bool looks_like_api_token(std::string_view text) {
  if (text.size() != kTokenPrefix.size() + 2 * kTokenBytes || !text.starts_with(kTokenPrefix)) {
    return false;
  }
  for (char c : text.substr(kTokenPrefix.size())) {
    if (!is_lower_hex(c)) return false;
  }
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace trainbox
