#pragma once
// An account of the API. The token itself is never stored: only its SHA-256 (tokens are 256-bit
// random, so a plain hash is as good as a slow one and lets the store look a token up directly).

#include <cstdint>
#include <string>
#include <string_view>

namespace trainbox::core {

struct User {
  std::string name;        // [a-z0-9][a-z0-9._-]{0,63}
  bool is_admin = false;   // sees and acts on every task; exempt from per-user limits
  std::string token_hash;  // lowercase hex SHA-256 of the current API token
  int64_t created_at_ms = 0;
  int64_t token_issued_at_ms = 0;
};

// True for a name `users add` accepts: lowercase letters, digits, '.', '_' and '-', starting with a
// letter or digit, at most 64 characters.
bool is_valid_user_name(std::string_view name);

}  // namespace trainbox::core
