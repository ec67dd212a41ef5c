#pragma once
// The DynamoDB stores' settings, parsed from the database URL (DESIGN.md):
//   dynamodb://TABLE?region=us-east-1&endpoint=http://127.0.0.1:8000&create_table=1
// Options: region (default AWS_REGION / AWS_DEFAULT_REGION, else us-east-1), endpoint (a
// DynamoDB-compatible server such as dynalite; default https://dynamodb.REGION.amazonaws.com),
// create_table=1 (create the table on first use and wait until it is ACTIVE; default 0: a missing
// table is an error that says to run `trainbox dynamodb create-table`) and max_attempts (1..20,
// default 6: one try plus retries of throttling, 5xx and transport failures).

#include <string>
#include <string_view>

#include "util/result.h"

namespace trainbox::db {

struct DynamoConfig {
  std::string table;   // 3-255 characters of A-Z a-z 0-9 _ - .
  std::string region;  // "us-east-1"
  std::string scheme;  // "http" or "https"
  std::string host;    // "127.0.0.1:8000" or "dynamodb.us-east-1.amazonaws.com"
  bool create_table = false;
  int max_attempts = 6;

  std::string endpoint() const { return scheme + "://" + host; }
};

bool is_dynamodb_url(std::string_view url);

// kInvalidArgument "invalid_database_url" naming what is wrong.
Result<DynamoConfig> parse_dynamodb_url(std::string_view url, std::string_view default_region);

}  // namespace trainbox::db
