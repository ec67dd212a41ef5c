#include "aws/service_url.h"

#include <algorithm>
#include <charconv>

namespace trainbox::aws {

std::string percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    int value = 0;
    if (text[i] == '%' && i + 2 < text.size() &&
        std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16).ptr ==
            text.data() + i + 3) {
      out += static_cast<char>(value);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

tl::expected<std::map<std::string, std::string>, std::string> parse_query_options(
    std::string_view query, std::initializer_list<std::string_view> known) {
  std::map<std::string, std::string> options;
  while (!query.empty()) {
    std::string_view item = query.substr(0, query.find('&'));
    query.remove_prefix(std::min(query.size(), item.size() + 1));
    if (item.empty()) continue;
    size_t equals = item.find('=');
    std::string name(item.substr(0, equals));
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return tl::unexpected(name);
    }
    options[name] = equals == item.npos ? "" : percent_decode(item.substr(equals + 1));
  }
  return options;
}

tl::expected<Endpoint, std::string> parse_endpoint(std::string_view endpoint) {
  size_t colon = endpoint.find("://");
  std::string_view scheme = endpoint.substr(0, colon);
  if (colon == endpoint.npos || (scheme != "http" && scheme != "https")) {
    return tl::unexpected(std::string("endpoint must start with http:// or https://"));
  }
  std::string_view host = endpoint.substr(colon + 3);
  while (host.ends_with('/')) host.remove_suffix(1);
  if (host.empty() || host.find_first_of("/?#@ ") != host.npos) {
    return tl::unexpected(std::string("endpoint must be http(s)://HOST[:PORT] with no path"));
  }
  return Endpoint{std::string(scheme), std::string(host)};
}

}  // namespace trainbox::aws
