#include "db/dynamodb_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <vector>

#include "db/dynamodb_item.h"

namespace trainbox::db {
namespace {

using nlohmann::json;

json attribute(const char* name) { return {{"AttributeName", name}, {"AttributeType", "S"}}; }

json key_schema(const char* hash, const char* range) {
  json schema = json::array({{{"AttributeName", hash}, {"KeyType", "HASH"}}});
  if (range != nullptr) schema.push_back({{"AttributeName", range}, {"KeyType", "RANGE"}});
  return schema;
}

// Each index projects just what its readers need: list() and the users' list read keys and
// fetch items with BatchGetItem, usage() sums sizes, stale_running() filters on the heartbeat.
json index(const char* name, const char* hash, std::initializer_list<const char*> included) {
  json projection = {{"ProjectionType", "KEYS_ONLY"}};
  if (included.size() > 0) {
    projection = {{"ProjectionType", "INCLUDE"}, {"NonKeyAttributes", json::array()}};
    for (const char* attribute_name : included) {
      projection["NonKeyAttributes"].push_back(attribute_name);
    }
  }
  return {{"IndexName", name},
          {"KeySchema", key_schema(hash, dynamo::kListSk)},
          {"Projection", projection}};
}

json create_request() {
  using namespace dynamo;  // NOLINT(google-build-using-namespace): the key names, locally
  return {
      {"BillingMode", "PAY_PER_REQUEST"},
      {"AttributeDefinitions", json::array({attribute(kPk), attribute(kListPk), attribute(kListSk),
                                            attribute(kOwnerPk), attribute(kStatus)})},
      {"KeySchema", key_schema(kPk, nullptr)},
      {"GlobalSecondaryIndexes",
       json::array({index(kByCreated, kListPk, {}),
                    index(kByOwner, kOwnerPk, {kStatus, "dataset_size", "model_size"}),
                    index(kByStatus, kStatus, {"heartbeat_at_ms"})})}};
}

bool all_active(const json& table) {
  if (table.value("TableStatus", "") != "ACTIVE") return false;
  for (const auto& gsi : table.value("GlobalSecondaryIndexes", json::array())) {
    if (gsi.value("IndexStatus", "") != "ACTIVE") return false;
  }
  return true;
}

// A table made by hand or by an older trainbox lacks what the stores query.
Status check_layout(const DynamoClient& client, const json& table) {
  std::vector<std::string> missing;
  for (const char* name : {dynamo::kByCreated, dynamo::kByOwner, dynamo::kByStatus}) {
    const auto indexes = table.value("GlobalSecondaryIndexes", json::array());
    if (std::none_of(indexes.begin(), indexes.end(),
                     [&](const json& gsi) { return gsi.value("IndexName", "") == name; })) {
      missing.emplace_back(name);
    }
  }
  if (missing.empty()) return {};
  return fail(ErrorCode::kUnavailable, "table_layout_mismatch",
              fmt::format("DynamoDB table '{}' at {} lacks the index '{}' trainbox queries: it was "
                          "not made by `trainbox dynamodb create-table`; use another table name",
                          client.table(), client.config().endpoint(), missing.front()));
}

}  // namespace

Status create_dynamodb_table(const DynamoClient& client) {
  TRAINBOX_TRY(client.call("CreateTable", create_request()));
  return wait_until_active(client);
}

Status wait_until_active(const DynamoClient& client) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
  auto pause = std::chrono::milliseconds(50);
  while (true) {
    auto described = client.call("DescribeTable", json::object());
    // Just after CreateTable, AWS may not list the table yet: that is "not ready", not missing.
    if (!described && described.error().slug != "table_not_found") return fail(described.error());
    if (described && all_active(described->body.value("Table", json::object()))) return {};
    if (std::chrono::steady_clock::now() > deadline) {
      return fail(ErrorCode::kUnavailable, "table_not_ready",
                  fmt::format("DynamoDB table '{}' at {} is not ACTIVE after 5 minutes",
                              client.table(), client.config().endpoint()));
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
  }
}

Status delete_dynamodb_table(const DynamoClient& client) {
  TRAINBOX_TRY(client.call("DeleteTable", json::object()));
  return {};
}

Result<std::shared_ptr<const DynamoClient>> open_dynamodb_table(std::string_view url) {
  auto client = dynamodb_client_from_url(url);
  if (!client) return fail(client.error());
  auto shared = std::make_shared<const DynamoClient>(std::move(*client));
  auto described = shared->call("DescribeTable", json::object());
  if (!described && described.error().slug == "table_not_found" && shared->config().create_table) {
    auto created = create_dynamodb_table(*shared);
    // Another process may have created it first: then wait for it like for our own.
    if (!created && created.error().slug != "table_exists") return fail(created.error());
    if (!created) TRAINBOX_TRY(wait_until_active(*shared));
    return shared;
  }
  if (!described) return fail(described.error());
  const json table = described->body.value("Table", json::object());
  TRAINBOX_TRY(check_layout(*shared, table));
  if (!all_active(table)) TRAINBOX_TRY(wait_until_active(*shared));
  return shared;
}

}  // namespace trainbox::db
