#include "tests/support/json_schema.h"

#include <algorithm>
#include <fstream>
#include <stdexcept>

namespace trainbox::testing {
namespace {

bool has_type(const nlohmann::json& value, const std::string& type) {
  if (type == "string") return value.is_string();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  if (type == "boolean") return value.is_boolean();
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  return true;
}

}  // namespace

const nlohmann::json& JsonSchema::resolve(const nlohmann::json& schema) const {
  if (!schema.contains("$ref")) return schema;
  // "#/components/schemas/Task" -> document_["components"]["schemas"]["Task"]
  auto pointer = nlohmann::json::json_pointer(schema["$ref"].get<std::string>().substr(1));
  return resolve(document_.at(pointer));
}

void JsonSchema::check(const nlohmann::json& raw, const nlohmann::json& value,
                       const std::string& path, std::vector<std::string>& out) const {
  const nlohmann::json& schema = resolve(raw);
  if (value.is_null()) {
    if (!schema.value("nullable", false) && schema.contains("type")) {
      out.push_back(path + ": null, but the schema does not say nullable");
    }
    return;
  }
  if (schema.contains("type") && !has_type(value, schema["type"])) {
    out.push_back(path + ": " + value.type_name() + ", the schema says " +
                  schema["type"].get<std::string>());
    return;
  }
  if (schema.contains("enum") &&
      std::find(schema["enum"].begin(), schema["enum"].end(), value) == schema["enum"].end()) {
    out.push_back(path + ": " + value.dump() + " is not one of " + schema["enum"].dump());
  }
  if (value.is_object()) {
    for (const auto& name : schema.value("required", nlohmann::json::array())) {
      if (!value.contains(name))
        out.push_back(path + ": required '" + name.get<std::string>() + "' missing");
    }
    const auto properties = schema.value("properties", nlohmann::json::object());
    for (const auto& [name, item] : value.items()) {
      if (properties.contains(name)) {
        check(properties[name], item, path + "." + name, out);
      } else if (schema.contains("additionalProperties") &&
                 schema["additionalProperties"].is_object()) {
        check(schema["additionalProperties"], item, path + "." + name, out);
      } else if (schema.value("additionalProperties", nlohmann::json(true)) == false) {
        out.push_back(path + ": '" + name + "' is not in the schema");
      }
    }
  }
  if (value.is_array() && schema.contains("items")) {
    for (size_t i = 0; i < value.size(); ++i) {
      check(schema["items"], value[i], path + "[" + std::to_string(i) + "]", out);
    }
  }
}

std::vector<std::string> JsonSchema::problems(const std::string& name,
                                              const nlohmann::json& value) const {
  std::vector<std::string> out;
  check(document_.at("components").at("schemas").at(name), value, name, out);
  return out;
}

std::vector<std::string> JsonSchema::problems_at(const std::string& pointer,
                                                 const nlohmann::json& value) const {
  std::vector<std::string> out;
  check(document_.at(nlohmann::json::json_pointer(pointer)), value, pointer, out);
  return out;
}

nlohmann::json load_openapi(const std::string& source_tree) {
  std::ifstream in(source_tree + "/src/http/openapi.json");
  if (!in) throw std::runtime_error("cannot read " + source_tree + "/src/http/openapi.json");
  return nlohmann::json::parse(in);
}

}  // namespace trainbox::testing
