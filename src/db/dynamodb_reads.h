#pragma once
// The read patterns both DynamoDB stores share: a strongly consistent GetItem, walking one
// partition of a global secondary index in sort order (paging through LastEvaluatedKey), counting
// a partition (Select COUNT) and fetching many items by key (BatchGetItem, 100 a call,
// UnprocessedKeys asked again). Index reads are eventually consistent on AWS (docs/dynamodb.md).

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "db/dynamodb_client.h"
#include "util/result.h"

namespace trainbox::db::dynamo {

// The item with this pk, read consistently; nullopt when there is none.
Result<std::optional<nlohmann::json>> get_item(const DynamoClient& client, const std::string& pk);

struct IndexQuery {
  const char* index = nullptr;
  const char* partition_attribute = nullptr;
  std::string partition;      // its value
  bool newest_first = false;  // by the sort key, descending
  int64_t offset = 0;         // items to skip
  int64_t limit = -1;         // items to return after them; < 0: all
  std::string filter{};       // a FilterExpression (e.g. "#heartbeat_at_ms < :before")
  nlohmann::json values = nlohmann::json::object();  // its ExpressionAttributeValues
};

// The projected items of one index partition, in sort order.
Result<std::vector<nlohmann::json>> query_index(const DynamoClient& client,
                                                const IndexQuery& query);
// How many items the partition holds (the filter, offset and limit are ignored).
Result<int64_t> count_index(const DynamoClient& client, const IndexQuery& query);
// The items with these pks, in the order of `pks`; absent ones are left out.
Result<std::vector<nlohmann::json>> batch_get(const DynamoClient& client,
                                              const std::vector<std::string>& pks);

}  // namespace trainbox::db::dynamo
