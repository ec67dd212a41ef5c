#pragma once
// The trainbox table in DynamoDB: its creation (key `pk` and the three global secondary indexes
// of docs/dynamodb.md, on-demand billing), waiting until it and its indexes are ACTIVE, and the
// check at open that it exists. Used by both DynamoDB stores, `trainbox dynamodb create-table`
// and the tests.

#include <memory>
#include <string_view>

#include "db/dynamodb_client.h"
#include "util/result.h"

namespace trainbox::db {

// Creates the table and waits until it is ACTIVE (up to 5 minutes). kConflict "table_exists"
// when it already exists (then it is not checked).
Status create_dynamodb_table(const DynamoClient& client);
// The client's errors; "table_not_ready" when it is not ACTIVE within 5 minutes.
Status wait_until_active(const DynamoClient& client);
// Deletes the table (its items with it). kUnavailable "table_not_found" when it does not exist.
Status delete_dynamodb_table(const DynamoClient& client);

// The client for a dynamodb:// URL, its table checked: created first (or waited for) with
// create_table=1, else "table_not_found" when it does not exist.
Result<std::shared_ptr<const DynamoClient>> open_dynamodb_table(std::string_view url);

}  // namespace trainbox::db
