#pragma once
// Secrets for accounts: API tokens and one-time sign-in codes from the OS's CSPRNG (OpenSSL
// RAND_bytes), and a comparison whose time does not depend on where two strings differ.

#include <cstddef>
#include <string>
#include <string_view>

namespace trainbox {

// "tbx_" + 64 lowercase hex digits: 256 random bits. The prefix lets secret scanners and people
// recognise a trainbox token.
std::string new_api_token();
// True for the shape new_api_token() produces (checked before any hashing or lookup).
bool looks_like_api_token(std::string_view text);
// `bytes` random bytes as lowercase hex (2 * bytes digits).
std::string random_hex(size_t bytes);
// Equal length and content, in time that depends only on the lengths.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace trainbox
