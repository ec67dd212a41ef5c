#pragma once

#include <memory>
#include <string_view>

#include "db/task_store.h"

namespace trainbox::db {

// The TaskStore in the DynamoDB table of `url` (dynamodb_config.h; layout: docs/dynamodb.md).
// Credentials and the default region come from the AWS environment variables. Errors:
// "invalid_database_url", "aws_credentials_missing", kUnavailable "table_not_found" (without
// create_table=1), "database_forbidden", "database_unavailable".
Result<std::unique_ptr<TaskStore>> open_dynamodb_task_store(std::string_view url);

}  // namespace trainbox::db
