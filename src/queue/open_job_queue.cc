// open_job_queue: the queue URL -> a backend, and the parser of redis:// URLs (kept here, away
// from hiredis, so the URL rules read in one place).

#include <charconv>
#include <string>
#include <utility>

#include "queue/local_job_queue.h"
#include "queue/redis_job_queue.h"

namespace trainbox::queue {
namespace {

constexpr std::string_view kRedisScheme = "redis://";

tl::unexpected<Error> bad_url(const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, "invalid_queue_url",
              "invalid queue URL: " + why +
                  " (expected redis://[[user]:password@]host[:port][/db]"
                  "[?stream=NAME&group=NAME&lease_s=SECONDS])");
}

// A whole decimal number in [low, high], or nullopt.
std::optional<long> parse_number(std::string_view text, long low, long high) {
  long value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return {};
  if (value < low || value > high) return {};
  return value;
}

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    auto hex = text.substr(i + 1, 2);
    auto [end, error] = std::from_chars(hex.data(), hex.data() + hex.size(), value, 16);
    if (hex.size() != 2 || error != std::errc() || end != hex.data() + 2) return {};
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

// "[user]:password" (never echoed in a message).
Status parse_credentials(std::string_view userinfo, RedisQueueConfig& config) {
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    return bad_url("credentials must be written ':password@' or 'user:password@'");
  }
  auto user = percent_decode(userinfo.substr(0, colon));
  auto password = percent_decode(userinfo.substr(colon + 1));
  if (!user || !password) return bad_url("bad %-escape in the credentials");
  if (password->empty()) return bad_url("the password after ':' is empty");
  config.user = std::move(*user);
  config.password = std::move(*password);
  return {};
}

// "host[:port]" or "[v6address][:port]".
Status parse_host_port(std::string_view hostport, RedisQueueConfig& config) {
  std::string_view port;
  if (hostport.starts_with('[')) {
    auto close = hostport.find(']');
    if (close == std::string_view::npos) return bad_url("unclosed '[' in the host");
    config.host = std::string(hostport.substr(1, close - 1));
    auto after = hostport.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad_url("junk after ']' in the host");
    if (!after.empty()) port = after.substr(1);
    if (after == ":") return bad_url("empty port");
  } else {
    auto colon = hostport.rfind(':');
    config.host = std::string(hostport.substr(0, colon));
    if (colon != std::string_view::npos) {
      port = hostport.substr(colon + 1);
      if (port.empty()) return bad_url("empty port");
    }
  }
  if (config.host.empty()) return bad_url("no host");
  if (!port.empty()) {
    auto number = parse_number(port, 1, 65535);
    if (!number) return bad_url("port '" + std::string(port) + "' is not a number in 1-65535");
    config.port = static_cast<int>(*number);
  }
  return {};
}

Status parse_query(std::string_view query, RedisQueueConfig& config) {
  while (!query.empty()) {
    auto amp = query.find('&');
    auto pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = pair.substr(0, eq);
    auto value = percent_decode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!value) return bad_url("bad %-escape in '" + std::string(key) + "'");
    if (value->empty()) return bad_url("'" + std::string(key) + "' needs a value");
    if (key == "stream") {
      config.stream = std::move(*value);
    } else if (key == "group") {
      config.group = std::move(*value);
    } else if (key == "lease_s") {
      auto seconds = parse_number(*value, 1, 86400);
      if (!seconds) return bad_url("lease_s '" + *value + "' is not a whole number in 1-86400");
      config.lease = std::chrono::seconds(*seconds);
    } else {
      return bad_url("unknown parameter '" + std::string(key) + "'");
    }
  }
  return {};
}

}  // namespace

Result<RedisQueueConfig> parse_redis_queue_url(std::string_view url) {
  if (!url.starts_with(kRedisScheme)) return bad_url("it does not start with redis://");
  auto rest = url.substr(kRedisScheme.size());
  RedisQueueConfig config;
  // The last '@' ends the credentials, so a password may hold '/', '?' or ':' unescaped and
  // nothing after this point (the only part ever quoted in a message) is secret.
  if (auto at = rest.rfind('@'); at != std::string_view::npos) {
    TRAINBOX_TRY(parse_credentials(rest.substr(0, at), config));
    rest = rest.substr(at + 1);
  }
  auto question = rest.find('?');
  if (question != std::string_view::npos) {
    TRAINBOX_TRY(parse_query(rest.substr(question + 1), config));
    rest = rest.substr(0, question);
  }
  auto slash = rest.find('/');
  TRAINBOX_TRY(parse_host_port(rest.substr(0, slash), config));
  auto path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  if (!path.empty()) {
    auto db = parse_number(path, 0, 1'000'000);
    if (!db) return bad_url("database '" + std::string(path) + "' is not a number like /0");
    config.db = static_cast<int>(*db);
  }
  return config;
}

Result<std::unique_ptr<JobQueue>> open_job_queue(std::string_view url) {
  if (url == "local://" || url == "local") return make_local_job_queue();
  if (url.starts_with(kRedisScheme)) {
    auto config = parse_redis_queue_url(url);
    if (!config) return fail(config.error());
    return open_redis_job_queue(*config);
  }
  return fail(ErrorCode::kInvalidArgument, "invalid_queue_url",
              "unknown queue URL scheme '" + std::string(url.substr(0, url.find(':'))) +
                  "': expected local:// or redis://host:port/0");
}

}  // namespace trainbox::queue
