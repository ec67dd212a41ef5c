#pragma once
// Browser safety: the headers every response carries (CSP, frame and sniffing guards, no
// referrer), the Host check against DNS rebinding, the Origin check of state-changing requests
// (cross-site request forgery), and the scrubbing of server paths out of client-facing messages.

#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace trainbox::http {

// The names a client may address the server by: `allowed` as given, or when empty the loopback
// names plus `bind_host` unless it is a wildcard address. "*" allows any.
std::vector<std::string> allowed_host_names(const std::vector<std::string>& allowed,
                                            const std::string& bind_host);

httplib::Headers security_headers();
std::string security_header_lines();  // the same, as "Name: value\r\n" lines

struct Refusal {
  int status;
  std::string slug;
  std::string message;
};
// Host not among `hosts`, or a state-changing request whose Origin is neither the server's own
// (as the client addressed it) nor one of `origins`.
std::optional<Refusal> check_browser_request(const httplib::Request& req,
                                             const std::vector<std::string>& hosts,
                                             const std::vector<std::string>& origins);

// Replaces each absolute path in `message` by its file name and drops source-file references,
// so that no message tells a client how the server's disk is laid out.
std::string scrub_paths(std::string_view message);

}  // namespace trainbox::http
