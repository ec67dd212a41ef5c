#include "util/ids.h"

#include <array>
#include <random>

namespace trainbox {

std::string new_task_id() {
  static constexpr char kHex[] = "0123456789abcdef";
  std::random_device device;  // reads the OS entropy source
  std::string id(32, '0');
  for (size_t i = 0; i < id.size(); i += 8) {
    uint32_t bits = device();
    for (size_t j = 0; j < 8; ++j) {
      id[i + j] = kHex[(bits >> (4 * j)) & 0xF];
    }
  }
  return id;
}

bool is_valid_task_id(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex) return false;
  }
  return true;
}

}  // namespace trainbox
