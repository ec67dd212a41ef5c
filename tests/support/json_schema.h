#pragma once
// A small validator for the OpenAPI 3.0 schema subset src/http/openapi.json uses: $ref to
// #/components/schemas, type, nullable, enum, properties, required, items and
// additionalProperties. Tests use it to check that what the server writes is what the document
// promises. Unknown keywords (format, description, minimum...) are ignored.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trainbox::testing {

class JsonSchema {
 public:
  // `document` is the whole OpenAPI document (for $ref).
  explicit JsonSchema(nlohmann::json document) : document_(std::move(document)) {}
  // The problems of `value` against components/schemas/NAME, each with its JSON path; empty
  // when it conforms.
  std::vector<std::string> problems(const std::string& name, const nlohmann::json& value) const;
  // The same against the schema at a JSON pointer of the document, e.g. the 200 reply of a path.
  std::vector<std::string> problems_at(const std::string& pointer,
                                       const nlohmann::json& value) const;

 private:
  void check(const nlohmann::json& schema, const nlohmann::json& value, const std::string& path,
             std::vector<std::string>& out) const;
  const nlohmann::json& resolve(const nlohmann::json& schema) const;
  nlohmann::json document_;
};

// src/http/openapi.json of this source tree.
nlohmann::json load_openapi(const std::string& source_tree);

}  // namespace trainbox::testing
