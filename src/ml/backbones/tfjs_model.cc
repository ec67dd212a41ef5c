#include "ml/backbones/tfjs_model.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

namespace trainbox::ml::backbones {
namespace {

auto invalid(const std::string& message) {
  return fail(ErrorCode::kInvalidArgument, "tfjs_model_invalid", message);
}

Result<std::string> read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalid(fmt::format("cannot read {}", path.string()));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string hex_sha256(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

// The names of the layers feeding a layer: inbound_nodes is [[[name, node, tensor, {}], ...]].
Result<std::vector<std::string>> inbound_names(const nlohmann::json& layer) {
  std::vector<std::string> names;
  const auto& nodes = layer.value("inbound_nodes", nlohmann::json::array());
  if (nodes.empty()) return names;
  if (nodes.size() != 1) {
    return invalid(fmt::format("layer '{}' is used {} times; shared layers are not supported",
                               layer.value("name", "?"), nodes.size()));
  }
  for (const auto& in : nodes[0]) {
    if (!in.is_array() || in.size() < 3 || in[1].get<int>() != 0 || in[2].get<int>() != 0) {
      return invalid(fmt::format("layer '{}' takes an input this converter cannot follow",
                                 layer.value("name", "?")));
    }
    names.push_back(in[0].get<std::string>());
  }
  return names;
}

Result<torch::Tensor> decode_weight(const nlohmann::json& spec, std::string_view bytes,
                                    size_t& offset, std::set<std::string>& quantizations) {
  auto shape = spec.at("shape").get<std::vector<int64_t>>();
  int64_t count = 1;
  for (auto d : shape) count *= d;
  auto dtype = spec.value("dtype", "float32");
  if (dtype != "float32") {
    return invalid(fmt::format("weight '{}' has dtype {}; only float32 is supported",
                               spec.value("name", "?"), dtype));
  }
  auto values = torch::empty({count}, torch::kFloat);
  float* out = values.data_ptr<float>();
  auto take = [&](size_t size) -> Result<const unsigned char*> {
    if (offset + size > bytes.size()) {
      return invalid(fmt::format("weight shards end before weight '{}'", spec.value("name", "?")));
    }
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data()) + offset;
    offset += size;
    return p;
  };
  if (!spec.contains("quantization")) {
    quantizations.insert("none");
    auto p = take(static_cast<size_t>(count) * 4);
    if (!p) return fail(p.error());
    std::memcpy(out, *p, static_cast<size_t>(count) * 4);
  } else {
    const auto& q = spec.at("quantization");
    auto qtype = q.value("dtype", "");
    if ((qtype != "uint8" && qtype != "uint16") || !q.contains("min") || !q.contains("scale")) {
      return invalid(
          fmt::format("weight '{}' has quantization {}; supported: uint8/uint16 "
                      "with min and scale",
                      spec.value("name", "?"), q.dump()));
    }
    quantizations.insert(qtype);
    // tfjs computes q * scale + min in double precision and stores the result as float32.
    double scale = q.at("scale").get<double>(), min = q.at("min").get<double>();
    size_t width = qtype == "uint8" ? 1 : 2;
    auto p = take(static_cast<size_t>(count) * width);
    if (!p) return fail(p.error());
    for (int64_t i = 0; i < count; ++i) {
      double v = width == 1 ? (*p)[i] : ((*p)[2 * i] | ((*p)[2 * i + 1] << 8));
      out[i] = static_cast<float>(v * scale + min);
    }
  }
  return values.view(shape);
}

}  // namespace

Result<std::string> sha256_file(const std::filesystem::path& path) {
  auto bytes = read_bytes(path);
  if (!bytes) return fail(bytes.error());
  return hex_sha256(*bytes);
}

Result<TfjsModel> read_tfjs_model(const std::filesystem::path& dir) {
  auto model_text = read_bytes(dir / "model.json");
  if (!model_text) return fail(model_text.error());
  TfjsModel model;
  model.file_sha256["model.json"] = hex_sha256(*model_text);
  nlohmann::json json;
  try {
    json = nlohmann::json::parse(*model_text);
  } catch (const std::exception& e) {
    return invalid(fmt::format("{}: not JSON: {}", (dir / "model.json").string(), e.what()));
  }
  try {
    const auto& topology = json.at("modelTopology");
    const auto& config = topology.contains("model_config") ? topology.at("model_config") : topology;
    auto class_name = config.value("class_name", "");
    if (class_name != "Model" && class_name != "Functional") {
      return invalid(
          fmt::format("model class '{}' is not supported (a functional Keras Model "
                      "is)",
                      class_name));
    }
    const auto& graph = config.at("config");
    if (graph.at("input_layers").size() != 1 || graph.at("output_layers").size() != 1) {
      return invalid("only models with one input and one output are supported");
    }
    model.input_layer = graph.at("input_layers")[0][0].get<std::string>();
    model.output_layer = graph.at("output_layers")[0][0].get<std::string>();
    for (const auto& layer : graph.at("layers")) {
      auto inputs = inbound_names(layer);
      if (!inputs) return fail(inputs.error());
      model.layers.push_back({layer.at("name").get<std::string>(),
                              layer.at("class_name").get<std::string>(), layer.at("config"),
                              std::move(*inputs)});
      if (model.layers.back().name == model.input_layer) {
        auto shape = layer.at("config").at("batch_input_shape");
        if (shape.size() != 4 || shape[1].is_null() || shape[2].is_null()) {
          return invalid("the input must be [batch, height, width, channels] with a fixed size");
        }
        model.input_shape = {shape[1].get<int64_t>(), shape[2].get<int64_t>(),
                             shape[3].get<int64_t>()};
      }
    }
    if (model.input_shape.empty()) return invalid("the input layer is not among the layers");

    std::set<std::string> quantizations;
    for (const auto& group : json.at("weightsManifest")) {
      std::string bytes;
      for (const auto& path : group.at("paths")) {
        auto name = path.get<std::string>();
        if (name.find("..") != std::string::npos || name.find('/') != std::string::npos) {
          return invalid(fmt::format("weight shard path '{}' leaves the model folder", name));
        }
        auto shard = read_bytes(dir / name);
        if (!shard) return fail(shard.error());
        model.file_sha256[name] = hex_sha256(*shard);
        bytes += *shard;
      }
      size_t offset = 0;
      for (const auto& spec : group.at("weights")) {
        auto tensor = decode_weight(spec, bytes, offset, quantizations);
        if (!tensor) return fail(tensor.error());
        model.weights[spec.at("name").get<std::string>()] = *tensor;
      }
      if (offset != bytes.size()) {
        return invalid(fmt::format("weight shards hold {} bytes but the manifest describes {}",
                                   bytes.size(), offset));
      }
    }
    for (const auto& q : quantizations) {
      model.quantization += (model.quantization.empty() ? "" : "+") + q;
    }
  } catch (const nlohmann::json::exception& e) {
    return invalid(
        fmt::format("{}: unexpected layout: {}", (dir / "model.json").string(), e.what()));
  }
  return model;
}

}  // namespace trainbox::ml::backbones
