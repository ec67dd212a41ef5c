#pragma once
// One HTTP header as the AWS signer and the HTTP client both see it.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainbox::aws {

struct Header {
  std::string name;
  std::string value;
};
using Headers = std::vector<Header>;

// The value of the first header named `name` (compared case-insensitively), if any.
std::optional<std::string> find_header(const Headers& headers, std::string_view name);

}  // namespace trainbox::aws
