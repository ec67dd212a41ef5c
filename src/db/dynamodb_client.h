#pragma once
// DynamoDB's JSON API (POST /, X-Amz-Target: DynamoDB_20120810.<Operation>) over the shared
// libcurl client and SigV4 signer of src/aws. Each attempt is signed anew; throttling
// (ProvisionedThroughputExceeded, Throttling, RequestLimitExceeded), HTTP 5xx and transport
// failures are retried with capped exponential backoff and jitter, a bounded number of times
// (DynamoConfig::max_attempts). DynamoDB's error types become errors a person can act on.
// Immutable after construction: safe from any thread.

#include <nlohmann/json.hpp>
#include <string_view>

#include "aws/sigv4.h"
#include "db/dynamodb_config.h"
#include "util/result.h"

namespace trainbox::db {

struct DynamoReply {
  nlohmann::json body = nlohmann::json::object();  // the operation's response
  // ConditionalCheckFailedException: a conditional write did not apply. An expected outcome, so
  // a value here rather than an error.
  bool condition_failed = false;
  // An earlier attempt was sent and got no usable answer: it may have applied (a conditional
  // write that now fails may have been this call's own).
  bool retried = false;
};

class DynamoClient {
 public:
  DynamoClient(DynamoConfig config, aws::Credentials credentials)
      : config_(std::move(config)), credentials_(std::move(credentials)) {}

  const DynamoConfig& config() const { return config_; }
  const std::string& table() const { return config_.table; }

  // Runs `operation` ("GetItem", "Query", ...) with `request`; "TableName" is added (the
  // configured table) unless the request has it or is a batch (RequestItems). Errors:
  // kUnavailable "table_not_found" (say to run `trainbox dynamodb create-table`),
  // "database_forbidden" (credentials refused), "database_unavailable" (every attempt throttled,
  // 5xx or unreachable); kConflict "table_exists" (CreateTable); kInternal "dynamodb_error"
  // for anything else DynamoDB refused, with its type and message.
  Result<DynamoReply> call(std::string_view operation, nlohmann::json request) const;

 private:
  DynamoConfig config_;
  aws::Credentials credentials_;
};

// Opens a client from a dynamodb:// URL with the environment's credentials and region
// (aws/credentials.h): "invalid_database_url", "aws_credentials_missing".
Result<DynamoClient> dynamodb_client_from_url(std::string_view url);

}  // namespace trainbox::db
