#pragma once
// The write requests of the DynamoDB stores: UpdateItem, PutItem and DeleteItem of one item by
// its pk, each with an optional ConditionExpression. Attribute names are always written as #name
// (ExpressionAttributeNames are derived from the expressions, dynamodb_item.h: names_in).

#include <nlohmann/json.hpp>
#include <string>

#include "db/dynamodb_client.h"
#include "util/result.h"

namespace trainbox::db::dynamo {

struct Write {
  std::string pk;
  std::string update{};                              // UpdateExpression (UpdateItem only)
  std::string condition{};                           // ConditionExpression; "" = unconditional
  nlohmann::json values = nlohmann::json::object();  // ExpressionAttributeValues
  std::string return_values = "NONE";                // "ALL_NEW", "ALL_OLD"
};

Result<DynamoReply> update_item(const DynamoClient& client, const Write& write);
// Puts `item` (its pk inside); write.pk and write.update are ignored.
Result<DynamoReply> put_item(const DynamoClient& client, const nlohmann::json& item,
                             const Write& write);
Result<DynamoReply> delete_item(const DynamoClient& client, const Write& write);

}  // namespace trainbox::db::dynamo
