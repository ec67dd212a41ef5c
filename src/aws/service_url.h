#pragma once
// The parts the URLs of AWS-style backends share (s3://BUCKET/...?..., dynamodb://TABLE?...):
// their query options and their `endpoint`. Each backend keeps its own URL shape, option names
// and error messages; these return the reason in words for it to wrap.

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>

#include "util/result.h"

namespace trainbox::aws {

// %XX escapes decoded; anything else (a lone or malformed '%') kept as it is.
std::string percent_decode(std::string_view text);

// "a=1&b=x%20y" -> {a: "1", b: "x y"}; empty items are skipped, a name without '=' maps to "".
// The error is the first name not in `known`.
tl::expected<std::map<std::string, std::string>, std::string> parse_query_options(
    std::string_view query, std::initializer_list<std::string_view> known);

struct Endpoint {
  std::string scheme;  // "http" | "https"
  std::string host;    // HOST[:PORT], trailing slashes dropped
};
// "http(s)://HOST[:PORT]"; the error says what is wrong with it.
tl::expected<Endpoint, std::string> parse_endpoint(std::string_view endpoint);

}  // namespace trainbox::aws
