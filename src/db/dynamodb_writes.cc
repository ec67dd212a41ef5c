#include "db/dynamodb_writes.h"

#include "db/dynamodb_item.h"

namespace trainbox::db::dynamo {
namespace {

using nlohmann::json;

// Adds the condition, the names and the values; DynamoDB refuses empty maps and unused entries.
void add_expressions(json& request, const Write& write, const std::string& update) {
  if (!update.empty()) request["UpdateExpression"] = update;
  if (!write.condition.empty()) request["ConditionExpression"] = write.condition;
  json names = names_in(update, write.condition);
  if (!names.empty()) request["ExpressionAttributeNames"] = std::move(names);
  if (!write.values.empty()) request["ExpressionAttributeValues"] = write.values;
  if (write.return_values != "NONE") request["ReturnValues"] = write.return_values;
}

}  // namespace

Result<DynamoReply> update_item(const DynamoClient& client, const Write& write) {
  json request = {{"Key", key_of(write.pk)}};
  add_expressions(request, write, write.update);
  return client.call("UpdateItem", std::move(request));
}

Result<DynamoReply> put_item(const DynamoClient& client, const json& item, const Write& write) {
  json request = {{"Item", item}};
  add_expressions(request, write, "");
  return client.call("PutItem", std::move(request));
}

Result<DynamoReply> delete_item(const DynamoClient& client, const Write& write) {
  json request = {{"Key", key_of(write.pk)}};
  add_expressions(request, write, "");
  return client.call("DeleteItem", std::move(request));
}

}  // namespace trainbox::db::dynamo
