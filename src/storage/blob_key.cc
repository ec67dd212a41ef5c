#include "storage/blob_key.h"

#include <fmt/format.h>

namespace trainbox::storage {
namespace {

bool valid_segment(std::string_view segment) {
  if (segment.empty() || segment == "." || segment == "..") return false;
  for (char c : segment) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

tl::unexpected<Error> invalid_key(std::string_view key) {
  return fail(ErrorCode::kInvalidArgument, "invalid_blob_key",
              fmt::format("invalid blob key '{}'", key.substr(0, 200)));
}

}  // namespace

Status validate_key(std::string_view key) {
  if (key.empty() || key.size() > 512) return invalid_key(key);
  size_t start = 0;
  while (true) {
    size_t slash = key.find('/', start);
    std::string_view segment =
        key.substr(start, slash == std::string_view::npos ? key.npos : slash - start);
    if (!valid_segment(segment)) return invalid_key(key);
    if (slash == std::string_view::npos) return {};
    start = slash + 1;
  }
}

Status validate_prefix(std::string_view prefix) {
  if (prefix.size() < 2 || prefix.back() != '/') return invalid_key(prefix);
  return validate_key(prefix.substr(0, prefix.size() - 1));
}

}  // namespace trainbox::storage
