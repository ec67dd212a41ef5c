#include "http/routes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "http/responses.h"

namespace trainbox::embedded {
std::string_view openapi_json();
}

namespace trainbox::http {
namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(c));
  return text;
}

TEST(Routes, EveryRouteIsDocumentedAndEveryDocumentedRouteExists) {
  auto spec = nlohmann::json::parse(embedded::openapi_json());
  ASSERT_EQ(spec["openapi"].get<std::string>().substr(0, 2), "3.");
  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : spec["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (method != "parameters") documented.insert({method, path});
    }
  }
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& route : routes()) served.insert({lower(route.method), route.openapi_path});
  EXPECT_EQ(documented, served);
}

TEST(Routes, DocumentedPathsMatchTheirRegex) {
  for (const auto& route : routes()) {
    std::string concrete = std::regex_replace(route.openapi_path, std::regex("\\{id\\}"),
                                              "0123456789abcdef0123456789abcdef");
    EXPECT_TRUE(std::regex_match(concrete, std::regex(route.pattern))) << route.openapi_path;
  }
}

TEST(Responses, StatusTableCoversEveryCode) {
  EXPECT_EQ(http_status(ErrorCode::kInvalidArgument), 400);
  EXPECT_EQ(http_status(ErrorCode::kNotFound), 404);
  EXPECT_EQ(http_status(ErrorCode::kConflict), 409);
  EXPECT_EQ(http_status(ErrorCode::kPayloadTooLarge), 413);
  EXPECT_EQ(http_status(ErrorCode::kUnsupportedMediaType), 415);
  EXPECT_EQ(http_status(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(http_status(ErrorCode::kInsufficientStorage), 507);
  EXPECT_EQ(http_status(ErrorCode::kInternal), 500);
}

}  // namespace
}  // namespace trainbox::http
