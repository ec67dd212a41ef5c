#include "ml/image/models.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

namespace trainbox::ml::image {
namespace {

// Methods shared by every classifier with a linear head; a model adds `features`.
constexpr const char* kHeadMethods = R"TS(
def logits(self, x):
    f = torch.dropout(self.features(x), 0.2, self.training)
    return torch.linear(f, self.head_w, self.head_b)

def forward(self, x):
    return torch.softmax(self.logits(x), 1)
)TS";

// THE RESIZE RULE on raw images, for every image model (needs image_size, mean, std, forward).
constexpr const char* kRawMethods = R"TS(
def preprocess(self, images):
    x = images.permute(0, 3, 1, 2).float()
    h = x.size(2)
    w = x.size(3)
    side = min(h, w)
    top = (h - side) // 2
    left = (w - side) // 2
    x = x[:, :, top:top + side, left:left + side]
    x = torch._upsample_bilinear2d_aa(x, [self.image_size, self.image_size], False, None, None)
    return (x / 255.0 - self.mean) / self.std

def predict_raw(self, images):
    return self.forward(self.preprocess(images))
)TS";

struct Layer {
  int in = 0;
  int out = 0;
  int stride = 1;
  bool pool = true;
};

std::vector<Layer> layers_for(const std::string& name) {
  if (name == "cnn_224") {
    return {{3, 32, 2, true},
            {32, 64, 1, true},
            {64, 128, 1, true},
            {128, 256, 1, true},
            {256, 256, 1, false}};
  }
  return {{3, 16, 1, true}, {16, 32, 1, true}, {32, 64, 1, true}, {64, 128, 1, false}};
}

torch::Tensor channel_tensor(const std::array<double, 3>& values) {
  return torch::tensor({values[0], values[1], values[2]}, torch::kFloat).view({1, 3, 1, 1});
}

void register_common(torch::jit::Module& m, const ImageNorm& norm, int features, int classes) {
  register_input_norm(m, norm);
  m.register_parameter("head_w", torch::randn({classes, features}) * 0.01, false);
  m.register_parameter("head_b", torch::zeros({classes}), false);
}

std::string conv_block_source(size_t i, const Layer& layer) {
  std::string s = fmt::format(
      "    x = torch.conv2d(x, self.c{0}_w, None, [{1}, {1}], [1, 1], [1, 1], 1)\n"
      "    x = torch.batch_norm(x, self.c{0}_g, self.c{0}_b, self.c{0}_rm, self.c{0}_rv, "
      "self.training, 0.1, 1e-5, False)\n"
      "    x = torch.relu(x)\n",
      i, layer.stride);
  if (layer.pool) s += "    x = torch.max_pool2d(x, [2, 2], [2, 2], [0, 0], [1, 1], False)\n";
  return s;
}

}  // namespace

void register_input_norm(torch::jit::Module& m, const ImageNorm& norm) {
  m.register_attribute("training", c10::BoolType::get(), true);
  m.register_attribute("image_size", c10::IntType::get(), norm.size);
  m.register_buffer("mean", channel_tensor(norm.mean));
  m.register_buffer("std", channel_tensor(norm.std));
}

const char* raw_input_methods() { return kRawMethods; }

torch::jit::Module make_builtin_cnn(const std::string& name, int num_classes, const ImageNorm& norm,
                                    uint64_t seed) {
  torch::manual_seed(seed);
  torch::jit::Module m(name == "cnn_224" ? "Cnn224" : "TinyCnn");
  auto layers = layers_for(name);
  std::string source = "def features(self, x):\n";
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    double fan_in = l.in * 9.0;
    m.register_parameter(fmt::format("c{}_w", i),
                         torch::randn({l.out, l.in, 3, 3}) * std::sqrt(2.0 / fan_in), false);
    m.register_parameter(fmt::format("c{}_g", i), torch::ones({l.out}), false);
    m.register_parameter(fmt::format("c{}_b", i), torch::zeros({l.out}), false);
    m.register_buffer(fmt::format("c{}_rm", i), torch::zeros({l.out}));
    m.register_buffer(fmt::format("c{}_rv", i), torch::ones({l.out}));
    source += conv_block_source(i, l);
  }
  // tiny_cnn pools globally by max: a shape's corners and edges are a small part of the image,
  // and averaging them with the background made it learn several times slower (measured on
  // the shapes set: 0.71 vs 1.0 validation accuracy after 10 epochs).
  source += name == "cnn_224" ? "    return torch.mean(x, [2, 3])\n"
                              : "    return torch.amax(x, [2, 3])\n";
  register_common(m, norm, layers.back().out, num_classes);
  m.define(source + kHeadMethods + kRawMethods);
  return m;
}

torch::jit::Module make_backbone_classifier(const Backbone& backbone, int num_classes,
                                            uint64_t seed) {
  torch::manual_seed(seed);
  torch::jit::Module m("BackboneClassifier");
  m.register_module("backbone", backbone.module.clone());
  register_common(m, backbone.norm, backbone.feature_dim, num_classes);
  m.define(std::string("def features(self, x):\n"
                       "    return torch.flatten(self.backbone.forward(x), 1)\n") +
           kHeadMethods + kRawMethods);
  return m;
}

Result<Backbone> load_backbone(const std::filesystem::path& dir, const std::string& name) {
  auto bad = [&](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, "backbone_invalid",
                fmt::format("backbone '{}' in {}: {}", name, dir.string(), why));
  };
  if (name.empty() || name.find_first_of("/\\") != std::string::npos || name[0] == '.') {
    return bad("not a valid backbone name");
  }
  std::ifstream meta_file(dir / (name + ".json"));
  if (!meta_file) {
    return fail(ErrorCode::kInvalidArgument, "backbone_not_found",
                fmt::format("no backbone '{}' is installed (looked for {}.json in {})", name, name,
                            dir.string()));
  }
  Backbone backbone;
  backbone.name = name;
  try {
    auto meta = nlohmann::json::parse(meta_file);
    backbone.norm.size = meta.at("input_size").get<int>();
    backbone.norm.mean = meta.at("mean").get<std::array<double, 3>>();
    backbone.norm.std = meta.at("std").get<std::array<double, 3>>();
    backbone.feature_dim = meta.at("feature_dim").get<int>();
    backbone.module = torch::jit::load((dir / (name + ".pt")).string());
  } catch (const std::exception& e) {
    return bad(e.what());
  }
  if (backbone.norm.size < 16 || backbone.norm.size > 1024 || backbone.feature_dim <= 0) {
    return bad("input_size or feature_dim out of range");
  }
  // One forward pass on a blank image, so a wrong feature_dim or input_size is reported here
  // rather than as a shape error deep inside training.
  try {
    torch::NoGradGuard no_grad;
    backbone.module.eval();
    auto out =
        backbone.module.forward({torch::zeros({1, 3, backbone.norm.size, backbone.norm.size})});
    if (!out.isTensor()) return bad("forward(x) must return one tensor [N, feature_dim]");
    auto features = out.toTensor().flatten(1);
    if (features.size(1) != backbone.feature_dim) {
      return bad(fmt::format("forward(x) returns {} features but feature_dim is {}",
                             features.size(1), backbone.feature_dim));
    }
  } catch (const std::exception& e) {
    return bad(fmt::format("forward(x) fails on a [1,3,{0},{0}] input: {1}", backbone.norm.size,
                           e.what()));
  }
  return backbone;
}

std::vector<std::string> installed_backbones(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  if (dir.empty() || !std::filesystem::is_directory(dir, ec)) return names;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    const auto& path = entry.path();
    std::string stem = path.stem().string();
    if (path.extension() != ".json" || stem.empty() || stem[0] == '.') continue;
    if (std::filesystem::is_regular_file(dir / (stem + ".pt"), ec)) names.push_back(stem);
  }
  std::sort(names.begin(), names.end());
  return names;
}

double backbone_gflops(const std::filesystem::path& dir, const std::string& name) {
  std::ifstream in(dir / (name + ".json"));
  try {
    auto meta = nlohmann::json::parse(in);
    if (meta.contains("feature_gflops")) return meta.at("feature_gflops").get<double>();
  } catch (const std::exception&) {
  }
  return std::numeric_limits<double>::infinity();
}

torch::Tensor square_resize(const torch::Tensor& hwc_uint8, int size) {
  int64_t h = hwc_uint8.size(0), w = hwc_uint8.size(1);
  int64_t side = std::min(h, w), top = (h - side) / 2, left = (w - side) / 2;
  auto x = hwc_uint8.permute({2, 0, 1}).unsqueeze(0).to(torch::kFloat);
  x = x.slice(2, top, top + side).slice(3, left, left + side);
  return at::_upsample_bilinear2d_aa(x, {size, size}, false).squeeze(0);
}

torch::Tensor resize_batch(const torch::Tensor& images, int size) {
  if (images.size(2) == size && images.size(3) == size) return images;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < images.size(0); i += 256) {
    auto x = images.slice(0, i, i + 256).to(torch::kFloat);
    int64_t h = x.size(2), w = x.size(3), side = std::min(h, w);
    x = x.slice(2, (h - side) / 2, (h - side) / 2 + side)
            .slice(3, (w - side) / 2, (w - side) / 2 + side);
    parts.push_back(at::_upsample_bilinear2d_aa(x, {size, size}, false)
                        .round()
                        .clamp(0, 255)
                        .to(torch::kUInt8));
  }
  if (parts.empty()) return torch::zeros({0, 3, size, size}, torch::kUInt8);
  return torch::cat(parts);
}

torch::Tensor normalise(const torch::Tensor& batch_0_255, const ImageNorm& norm) {
  return (batch_0_255 / 255.0 - channel_tensor(norm.mean)) / channel_tensor(norm.std);
}

std::vector<torch::Tensor> model_state(const torch::jit::Module& module) {
  std::vector<torch::Tensor> state;
  for (const auto& p : module.named_parameters(true)) state.push_back(p.value);
  for (const auto& b : module.named_buffers(true)) state.push_back(b.value);
  return state;
}

}  // namespace trainbox::ml::image
