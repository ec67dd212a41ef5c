// DynamoClient: one signed POST per attempt. Which failures are retried: throttling (the request
// was refused before it applied) and 5xx or transport failures (it may have applied; the reply
// says `retried` so conditional writes can tell their own lost write from someone else's).
// Backoff: 25 ms doubling per retry, capped at 1 s, each wait jittered to 50-100 % of it (AWS's
// recommendation for DynamoDB), so six attempts wait about a second in all.

#include "db/dynamodb_client.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <random>
#include <thread>

#include "aws/credentials.h"
#include "aws/http_client.h"
#include "util/log.h"

namespace trainbox::db {
namespace {

constexpr std::array kThrottles = {"ProvisionedThroughputExceededException", "ThrottlingException",
                                   "RequestLimitExceeded", "LimitExceededException"};
constexpr std::array kCredentialErrors = {
    "UnrecognizedClientException",  "InvalidSignatureException",
    "IncompleteSignatureException", "MissingAuthenticationTokenException",
    "AccessDeniedException",        "ExpiredTokenException",
    "InvalidClientTokenId",         "SignatureDoesNotMatch"};

template <size_t N>
bool one_of(const std::array<const char*, N>& types, std::string_view type) {
  return std::find(types.begin(), types.end(), type) != types.end();
}

void backoff(int retry) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  int cap_ms = std::min(1000, 25 << std::min(retry, 10));
  int wait_ms = cap_ms / 2 + static_cast<int>(jitter() % static_cast<unsigned>(cap_ms / 2 + 1));
  std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
}

// "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException" -> "ResourceNotFoundException"
std::string error_type(const nlohmann::json& body) {
  if (!body.is_object() || !body.contains("__type") || !body["__type"].is_string()) return "";
  std::string type = body["__type"];
  size_t hash = type.rfind('#');
  return hash == std::string::npos ? type : type.substr(hash + 1);
}

std::string error_message(const nlohmann::json& body) {
  if (!body.is_object()) return "";
  for (const char* name : {"message", "Message"}) {
    if (body.contains(name) && body[name].is_string()) return body[name];
  }
  return "";
}

std::string reason(long status, const nlohmann::json& body) {
  std::string type = error_type(body);
  std::string message = error_message(body);
  if (type.empty()) return fmt::format("HTTP {}", status);
  return fmt::format("HTTP {} {}{}{}", status, type, message.empty() ? "" : ": ", message);
}

Error refusal(const DynamoConfig& config, std::string_view operation, long status,
              const nlohmann::json& body) {
  std::string type = error_type(body);
  if (type == "ResourceNotFoundException") {
    return {ErrorCode::kUnavailable, "table_not_found",
            fmt::format("DynamoDB table '{}' (or one of its indexes) does not exist at {} ({}): "
                        "run `trainbox dynamodb create-table --database-url dynamodb://{}?...` "
                        "or add create_table=1 to the database URL",
                        config.table, config.endpoint(), error_message(body), config.table)};
  }
  if (one_of(kCredentialErrors, type) || status == 403) {
    return {ErrorCode::kUnavailable, "database_forbidden",
            fmt::format("DynamoDB at {} refused the credentials for table '{}' ({}): check "
                        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, the region "
                        "({}) and the table's permissions",
                        config.endpoint(), config.table, reason(status, body), config.region)};
  }
  if (type == "ResourceInUseException") {
    return {ErrorCode::kConflict, "table_exists",
            fmt::format("DynamoDB table '{}' already exists at {} ({})", config.table,
                        config.endpoint(), error_message(body))};
  }
  return {ErrorCode::kInternal, "dynamodb_error",
          fmt::format("DynamoDB at {} refused {} on table '{}': {}", config.endpoint(), operation,
                      config.table, reason(status, body))};
}

aws::HttpRequest signed_request(const DynamoConfig& config, const aws::Credentials& credentials,
                                std::string_view operation, const std::string& body) {
  aws::SigningRequest signing;
  signing.method = "POST";
  signing.path = "/";
  signing.payload_sha256 = aws::sha256_hex(body);
  signing.headers = {{"Host", config.host},
                     {"Content-Type", "application/x-amz-json-1.0"},
                     {"X-Amz-Target", fmt::format("DynamoDB_20120810.{}", operation)}};
  aws::sign_in_place(signing, credentials, config.region, "dynamodb",
                     std::chrono::system_clock::now(), false);
  aws::HttpRequest request;
  request.method = "POST";
  request.url = config.endpoint() + "/";
  request.headers = std::move(signing.headers);
  request.body = body;
  request.connect_timeout = std::chrono::milliseconds(5'000);
  request.total_timeout = std::chrono::milliseconds(30'000);
  return request;
}

nlohmann::json parse_body(const std::string& text) {
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json::object() : parsed;
}

}  // namespace

Result<DynamoReply> DynamoClient::call(std::string_view operation, nlohmann::json request) const {
  if (request.is_object() && !request.contains("TableName") && !request.contains("RequestItems") &&
      operation != "ListTables") {
    request["TableName"] = config_.table;
  }
  const std::string body = request.dump();
  bool maybe_applied = false;
  std::string last;
  for (int attempt = 0; attempt < config_.max_attempts; ++attempt) {
    if (attempt > 0) backoff(attempt - 1);
    auto response = aws::http_send(signed_request(config_, credentials_, operation, body));
    if (!response && response.error().slug != "http_transport") return fail(response.error());
    nlohmann::json parsed = response ? parse_body(response->body) : nlohmann::json::object();
    if (response && response->status == 200) return DynamoReply{parsed, false, maybe_applied};
    std::string type = error_type(parsed);
    if (response && type == "ConditionalCheckFailedException") {
      return DynamoReply{parsed, true, maybe_applied};
    }
    bool throttled = response && one_of(kThrottles, type);
    if (response && !throttled && response->status < 500) {
      return fail(refusal(config_, operation, response->status, parsed));
    }
    maybe_applied = maybe_applied || !throttled;
    last = response ? reason(response->status, parsed) : response.error().message;
    TRAINBOX_LOG_WARN("DynamoDB {} on table '{}' attempt {} of {} failed: {}", operation,
                      config_.table, attempt + 1, config_.max_attempts, last);
  }
  return fail(
      ErrorCode::kUnavailable, "database_unavailable",
      fmt::format("DynamoDB at {} did not complete {} on table '{}' after {} attempts: {}",
                  config_.endpoint(), operation, config_.table, config_.max_attempts, last));
}

Result<DynamoClient> dynamodb_client_from_url(std::string_view url) {
  auto config = parse_dynamodb_url(url, aws::region_from_env());
  if (!config) return fail(config.error());
  auto credentials = aws::credentials_from_env();
  if (!credentials) return fail(credentials.error());
  return DynamoClient(std::move(*config), std::move(*credentials));
}

}  // namespace trainbox::db
