#pragma once

#include <memory>
#include <string_view>

#include "db/user_store.h"

namespace trainbox::db {

// The UserStore in the same DynamoDB table as the tasks (see open_dynamodb_task_store): one item
// per user (pk "user#NAME") and one guard item per current token hash (pk "token#HASH"), so a
// token is looked up with one consistent GetItem rather than an eventually consistent index.
Result<std::unique_ptr<UserStore>> open_dynamodb_user_store(std::string_view url);

}  // namespace trainbox::db
