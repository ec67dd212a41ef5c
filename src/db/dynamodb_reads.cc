#include "db/dynamodb_reads.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <thread>

#include "db/dynamodb_item.h"

namespace trainbox::db::dynamo {
namespace {

using nlohmann::json;

constexpr size_t kBatchKeys = 100;  // BatchGetItem's limit
constexpr int kBatchRounds = 8;     // UnprocessedKeys asked again at most this often

json query_request(const IndexQuery& query, bool count) {
  std::string condition = fmt::format("#{} = :partition", query.partition_attribute);
  std::string filter = count ? "" : query.filter;
  json values = count ? json::object() : query.values;
  values[":partition"] = s(query.partition);
  json request = {{"IndexName", query.index},
                  {"KeyConditionExpression", condition},
                  {"ExpressionAttributeNames", names_in(condition, filter)},
                  {"ExpressionAttributeValues", values},
                  {"ScanIndexForward", !query.newest_first}};
  if (!filter.empty()) request["FilterExpression"] = filter;
  if (count) request["Select"] = "COUNT";
  return request;
}

const json& items_of(const json& body) {
  static const json kNone = json::array();
  auto items = body.find("Items");
  return items != body.end() && items->is_array() ? *items : kNone;
}

// One BatchGetItem of at most 100 keys, asking again for what DynamoDB left unprocessed.
Status fetch_batch(const DynamoClient& client, json keys, std::map<std::string, json>& found) {
  for (int round = 0; !keys.empty(); ++round) {
    if (round == kBatchRounds) {
      return fail(ErrorCode::kUnavailable, "database_unavailable",
                  fmt::format("DynamoDB left keys of table '{}' unprocessed {} times (throttled)",
                              client.table(), kBatchRounds));
    }
    if (round > 0) std::this_thread::sleep_for(std::chrono::milliseconds(25 << round));
    json request = {
        {"RequestItems", {{client.table(), {{"Keys", keys}, {"ConsistentRead", true}}}}}};
    auto reply = client.call("BatchGetItem", request);
    if (!reply) return fail(reply.error());
    for (const auto& item : reply->body["Responses"].value(client.table(), json::array())) {
      found[get_s(item, kPk)] = item;
    }
    const json unprocessed = reply->body.value("UnprocessedKeys", json::object());
    keys = unprocessed.value(client.table(), json::object()).value("Keys", json::array());
  }
  return {};
}

}  // namespace

Result<std::optional<json>> get_item(const DynamoClient& client, const std::string& pk) {
  auto reply = client.call("GetItem", {{"Key", key_of(pk)}, {"ConsistentRead", true}});
  if (!reply) return fail(reply.error());
  auto item = reply->body.find("Item");
  if (item == reply->body.end() || !item->is_object()) return std::optional<json>();
  return std::optional<json>(*item);
}

Result<std::vector<json>> query_index(const DynamoClient& client, const IndexQuery& query) {
  std::vector<json> items;
  if (query.limit == 0) return items;
  json request = query_request(query, false);
  int64_t skipped = 0;
  while (true) {
    // Without a filter every evaluated item counts, so no page reads past what is wanted.
    if (query.limit > 0 && query.filter.empty()) {
      int64_t wanted = query.offset + query.limit - skipped - static_cast<int64_t>(items.size());
      request["Limit"] = std::clamp<int64_t>(wanted, 1, 1000);
    }
    auto reply = client.call("Query", request);
    if (!reply) return fail(reply.error());
    for (const auto& item : items_of(reply->body)) {
      if (skipped < query.offset) {
        ++skipped;
        continue;
      }
      items.push_back(item);
      if (query.limit > 0 && static_cast<int64_t>(items.size()) >= query.limit) return items;
    }
    if (!reply->body.contains("LastEvaluatedKey")) return items;
    request["ExclusiveStartKey"] = reply->body["LastEvaluatedKey"];
  }
}

Result<int64_t> count_index(const DynamoClient& client, const IndexQuery& query) {
  json request = query_request(query, true);
  int64_t total = 0;
  while (true) {
    auto reply = client.call("Query", request);
    if (!reply) return fail(reply.error());
    total += reply->body.value("Count", int64_t{0});
    if (!reply->body.contains("LastEvaluatedKey")) return total;
    request["ExclusiveStartKey"] = reply->body["LastEvaluatedKey"];
  }
}

Result<std::vector<json>> batch_get(const DynamoClient& client,
                                    const std::vector<std::string>& pks) {
  std::map<std::string, json> found;
  for (size_t start = 0; start < pks.size(); start += kBatchKeys) {
    json keys = json::array();
    for (size_t i = start; i < std::min(pks.size(), start + kBatchKeys); ++i) {
      keys.push_back(key_of(pks[i]));
    }
    TRAINBOX_TRY(fetch_batch(client, std::move(keys), found));
  }
  std::vector<json> items;
  for (const auto& pk : pks) {
    if (auto item = found.find(pk); item != found.end()) items.push_back(std::move(item->second));
  }
  return items;
}

}  // namespace trainbox::db::dynamo
