#pragma once
// Blob keys are '/'-separated segments of [A-Za-z0-9._-], none empty, "." or "..", at most 512
// bytes. Anything else is refused, so a key maps to a path inside the store and nowhere else.

#include <string_view>

#include "util/result.h"

namespace trainbox::storage {

Status validate_key(std::string_view key);
Status validate_prefix(std::string_view prefix);  // a key followed by '/'

}  // namespace trainbox::storage
