#include "db/dynamodb_config.h"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <map>

#include "aws/service_url.h"

namespace trainbox::db {
namespace {

constexpr std::string_view kScheme = "dynamodb://";

tl::unexpected<Error> invalid(std::string_view url, std::string_view why) {
  return fail(ErrorCode::kInvalidArgument, "invalid_database_url",
              fmt::format("bad DynamoDB database URL '{}': {} (expected dynamodb://TABLE"
                          "?region=REGION&endpoint=http://HOST:PORT)",
                          url.substr(0, url.find('?')), why));
}

bool valid_table(std::string_view table) {
  if (table.size() < 3 || table.size() > 255) return false;
  for (char c : table) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) {
      return false;
    }
  }
  return true;
}

Result<std::map<std::string, std::string>> parse_query(std::string_view url,
                                                       std::string_view query) {
  auto options =
      aws::parse_query_options(query, {"endpoint", "region", "create_table", "max_attempts"});
  if (!options) return invalid(url, fmt::format("unknown option '{}'", options.error()));
  return *options;
}

Status set_endpoint(DynamoConfig& config, std::string_view url, std::string_view endpoint) {
  auto parsed = aws::parse_endpoint(endpoint);
  if (!parsed) return invalid(url, parsed.error());
  config.scheme = std::move(parsed->scheme);
  config.host = std::move(parsed->host);
  return {};
}

Status apply_options(DynamoConfig& config, std::string_view url,
                     const std::map<std::string, std::string>& options) {
  if (options.contains("endpoint")) {
    TRAINBOX_TRY(set_endpoint(config, url, options.at("endpoint")));
  } else {
    config.scheme = "https";
    config.host = fmt::format("dynamodb.{}.amazonaws.com", config.region);
  }
  if (options.contains("create_table")) {
    const std::string& value = options.at("create_table");
    if (value != "0" && value != "1" && value != "true" && value != "false") {
      return invalid(url, "create_table must be 1 or 0");
    }
    config.create_table = value == "1" || value == "true";
  }
  if (options.contains("max_attempts")) {
    const std::string& text = options.at("max_attempts");
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size() || value < 1 || value > 20) {
      return invalid(url, "max_attempts must be a whole number from 1 to 20");
    }
    config.max_attempts = value;
  }
  return {};
}

}  // namespace

bool is_dynamodb_url(std::string_view url) { return url.starts_with(kScheme); }

Result<DynamoConfig> parse_dynamodb_url(std::string_view url, std::string_view default_region) {
  if (!is_dynamodb_url(url)) return invalid(url, "it must start with dynamodb://");
  std::string_view rest = url.substr(kScheme.size());
  size_t question = rest.find('?');
  auto options = parse_query(url, question == rest.npos ? "" : rest.substr(question + 1));
  TRAINBOX_TRY(options);
  DynamoConfig config;
  config.table = std::string(rest.substr(0, question));
  if (!valid_table(config.table)) {
    return invalid(url, "the table name must be 3-255 characters of A-Z a-z 0-9 _ - .");
  }
  config.region = options->contains("region") ? options->at("region")
                  : default_region.empty()    ? "us-east-1"
                                              : std::string(default_region);
  if (config.region.empty() || config.region.find_first_of("/?&#: ") != std::string::npos) {
    return invalid(url, "region must be a name like us-east-1");
  }
  TRAINBOX_TRY(apply_options(config, url, *options));
  return config;
}

}  // namespace trainbox::db
