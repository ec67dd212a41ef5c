#include "storage/s3_config.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <map>

#include "aws/service_url.h"
#include "storage/blob_key.h"

namespace trainbox::storage {
namespace {

tl::unexpected<Error> invalid(std::string_view url, std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "invalid_storage_url",
              fmt::format("bad S3 storage URL '{}': {} (expected s3://BUCKET/PREFIX"
                          "?endpoint=http://HOST:PORT&region=REGION)",
                          url.substr(0, url.find('?')), why));
}

bool valid_bucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view url,
                                                       std::string_view query) {
  auto options = aws::parse_query_options(
      query,
      {"endpoint", "region", "addressing", "multipart_threshold_mb", "part_mb", "list_page_size"});
  if (!options) return invalid(url, fmt::format("unknown option '{}'", options.error()));
  return *options;
}

Result<std::uint64_t> number_option(std::string_view url, const std::string& name,
                                    const std::string& text, std::uint64_t low,
                                    std::uint64_t high) {
  std::uint64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value < low || value > high) {
    return invalid(url, fmt::format("{} must be a whole number from {} to {}", name, low, high));
  }
  return value;
}

Status set_endpoint(S3Config& config, std::string_view url, std::string_view endpoint) {
  auto parsed = aws::parse_endpoint(endpoint);
  if (!parsed) return invalid(url, parsed.error());
  config.scheme = std::move(parsed->scheme);
  config.host = std::move(parsed->host);
  return {};
}

Status set_location(S3Config& config, std::string_view url, std::string_view base) {
  std::string_view bucket = base.substr(0, base.find('/'));
  if (!valid_bucket(bucket)) {
    return invalid(url, "the bucket name must be 3-63 characters of a-z, 0-9, '-' and '.'");
  }
  config.bucket = std::string(bucket);
  std::string_view prefix = bucket.size() < base.size() ? base.substr(bucket.size() + 1) : "";
  while (prefix.ends_with('/')) prefix.remove_suffix(1);
  if (!prefix.empty()) {
    config.prefix = std::string(prefix) + "/";
    if (!validate_prefix(config.prefix)) {
      return invalid(url, "the prefix must be '/'-separated segments of A-Z a-z 0-9 . _ -");
    }
  }
  return {};
}

Status apply_options(S3Config& config, std::string_view url,
                     const std::map<std::string, std::string>& options) {
  bool has_endpoint = options.contains("endpoint");
  if (has_endpoint) TRAINBOX_TRY(set_endpoint(config, url, options.at("endpoint")));
  std::string addressing = options.contains("addressing") ? options.at("addressing")
                           : has_endpoint                 ? "path"
                                                          : "virtual";
  if (addressing != "path" && addressing != "virtual") {
    return invalid(url, "addressing must be path or virtual");
  }
  config.path_style = addressing == "path";
  if (!has_endpoint) {
    config.scheme = "https";
    config.host = fmt::format("s3.{}.amazonaws.com", config.region);
  }
  if (!config.path_style) config.host = config.bucket + "." + config.host;
  if (options.contains("multipart_threshold_mb")) {
    auto mb = number_option(url, "multipart_threshold_mb", options.at("multipart_threshold_mb"), 1,
                            5 << 10);
    TRAINBOX_TRY(mb);
    config.multipart_threshold = *mb << 20;
  }
  if (options.contains("part_mb")) {
    auto mb = number_option(url, "part_mb", options.at("part_mb"), 5, 5 << 10);
    TRAINBOX_TRY(mb);
    config.part_size = *mb << 20;
  }
  if (options.contains("list_page_size")) {
    auto size = number_option(url, "list_page_size", options.at("list_page_size"), 1, 1000);
    TRAINBOX_TRY(size);
    config.list_page_size = static_cast<int>(*size);
  }
  return {};
}

}  // namespace

std::string S3Config::path_of(std::string_view object_key) const {
  if (!path_style) return "/" + std::string(object_key);
  return object_key.empty() ? "/" + bucket : "/" + bucket + "/" + std::string(object_key);
}

Result<S3Config> parse_s3_url(std::string_view url, std::string_view default_region) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) return invalid(url, "it must start with s3://");
  std::string_view rest = url.substr(kScheme.size());
  size_t question = rest.find('?');
  auto options = parse_query(url, question == rest.npos ? "" : rest.substr(question + 1));
  TRAINBOX_TRY(options);
  S3Config config;
  TRAINBOX_TRY(set_location(config, url, rest.substr(0, question)));
  config.region = options->contains("region") ? options->at("region")
                  : default_region.empty()    ? "us-east-1"
                                              : std::string(default_region);
  if (config.region.empty() || config.region.find_first_of("/?&# ") != std::string::npos) {
    return invalid(url, "region must be a name like us-east-1");
  }
  TRAINBOX_TRY(apply_options(config, url, *options));
  return config;
}

}  // namespace trainbox::storage
