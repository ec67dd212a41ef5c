#include "ml/backbones/keras_network.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <map>
#include <set>

namespace trainbox::ml::backbones {
namespace {

auto unsupported(const KerasLayer& layer, const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, "tfjs_layer_unsupported",
              fmt::format("layer '{}' ({}): {}", layer.name, layer.class_name, why));
}

// A tensor's static shape: channels-first [C,H,W], or [C] once flattened.
struct Shape {
  int64_t c = 0, h = 0, w = 0;
  bool flat = false;
};

// A pair from a Keras config value that is either one int or [a, b].
std::pair<int64_t, int64_t> pair_of(const nlohmann::json& value) {
  if (value.is_array()) return {value[0].get<int64_t>(), value[1].get<int64_t>()};
  return {value.get<int64_t>(), value.get<int64_t>()};
}

// TensorFlow's split of padding along one dimension: {before, after, output size}.
struct Padding1d {
  int64_t before = 0, after = 0, out = 0;
};
Padding1d pad_1d(const std::string& mode, int64_t in, int64_t kernel, int64_t stride,
                 int64_t dilation) {
  int64_t effective = (kernel - 1) * dilation + 1;
  if (mode == "valid") return {0, 0, (in - effective) / stride + 1};
  int64_t out = (in + stride - 1) / stride;
  int64_t total = std::max<int64_t>((out - 1) * stride + effective - in, 0);
  return {total / 2, total - total / 2, out};
}

// A TorchScript float literal: "6" would be an int, and ops such as clamp then get an int where
// the inference passes (optimize_for_inference) expect a double.
std::string float_literal(double value) {
  std::string text = fmt::format("{:.17g}", value);
  if (text.find_first_of(".eEn") == std::string::npos) text += ".0";
  return text;
}

std::string activation_expr(const std::string& name, const std::string& x, bool* ok) {
  *ok = true;
  if (name == "linear") return x;
  if (name == "relu") return fmt::format("torch.relu({})", x);
  if (name == "relu6") return fmt::format("torch.clamp({}, 0.0, 6.0)", x);
  if (name == "sigmoid") return fmt::format("torch.sigmoid({})", x);
  if (name == "tanh") return fmt::format("torch.tanh({})", x);
  if (name == "softmax") return fmt::format("torch.softmax({}, 1)", x);
  if (name == "elu") return fmt::format("torch.elu({})", x);
  *ok = false;
  return x;
}

class Builder {
 public:
  explicit Builder(const TfjsModel& model) : model_(model), module_("KerasNetwork") {
    module_.register_attribute("training", c10::BoolType::get(), false);
  }

  Result<KerasNetwork> build(const std::string& wanted_cut) {
    KerasNetwork net;
    net.input_size = model_.input_shape[0];
    if (model_.input_shape[0] != model_.input_shape[1] || model_.input_shape[2] != 3) {
      return fail(ErrorCode::kInvalidArgument, "tfjs_model_invalid",
                  "only square RGB inputs ([S, S, 3]) are supported");
    }
    std::string features_body, head_body;
    std::string* body = &features_body;
    double flops_before_cut = 0;
    for (size_t i = 0; i < model_.layers.size(); ++i) {
      const auto& layer = model_.layers[i];
      std::string var = fmt::format("v{}", i);
      if (!net.feature_layer.empty()) {
        // After the cut, a layer may read only the cut or later layers.
        for (const auto& in : layer.inputs) {
          if (!after_cut_.count(in)) {
            return unsupported(layer, fmt::format("reads '{}' from before the feature layer '{}'",
                                                  in, net.feature_layer));
          }
        }
      }
      current_ = body;
      auto status = emit(i, layer, var);
      if (!status) return fail(status.error());
      const Shape& shape = shapes_.at(layer.name);
      bool is_cut =
          net.feature_layer.empty() && (wanted_cut.empty() ? shape.flat : layer.name == wanted_cut);
      if (!net.feature_layer.empty()) after_cut_.insert(layer.name);
      if (is_cut) {
        if (!shape.flat && (shape.h != 1 || shape.w != 1)) {
          return unsupported(layer, "the feature layer must give one vector per image");
        }
        net.feature_layer = layer.name;
        net.feature_dim = shape.c;
        flops_before_cut = flops_;
        features_body += fmt::format("    return torch.flatten({}, 1)\n", var);
        head_body += fmt::format("    {} = torch.flatten(self.forward(x), 1)\n", var);
        after_cut_.insert(layer.name);
        body = &head_body;
      }
      if (layer.name == model_.output_layer) {
        if (net.feature_layer.empty()) {
          return fail(ErrorCode::kInvalidArgument, "tfjs_model_invalid",
                      wanted_cut.empty()
                          ? "no layer gives a feature vector (rank 2 output)"
                          : fmt::format("no layer '{}' before the output", wanted_cut));
        }
        head_body += fmt::format("    return {}\n", var);
        net.num_outputs = shape.c;
        break;
      }
    }
    if (net.num_outputs == 0) {
      return fail(ErrorCode::kInvalidArgument, "tfjs_model_invalid",
                  fmt::format("the output layer '{}' was not reached", model_.output_layer));
    }
    std::string source =
        "def forward(self, x):\n" + features_body + "\ndef classify(self, x):\n" + head_body;
    try {
      module_.define(source);
    } catch (const std::exception& e) {
      return fail(ErrorCode::kInternal, "tfjs_convert_failed",
                  fmt::format("the generated TorchScript does not compile: {}", e.what()));
    }
    net.feature_flops = flops_before_cut;
    for (const auto& p : module_.parameters()) net.parameter_count += p.numel();
    net.module = module_;
    return net;
  }

 private:
  Result<torch::Tensor> weight(const KerasLayer& layer, const std::string& suffix) {
    auto it = model_.weights.find(layer.name + "/" + suffix);
    if (it == model_.weights.end()) {
      return unsupported(layer, fmt::format("weight '{}/{}' is missing", layer.name, suffix));
    }
    return it->second;
  }

  // Registers a tensor under a generated name and returns "self.NAME".
  std::string add(size_t index, const std::string& suffix, const torch::Tensor& value,
                  bool buffer) {
    std::string name = fmt::format("l{}_{}", index, suffix);
    if (buffer) {
      module_.register_buffer(name, value.contiguous());
    } else {
      module_.register_parameter(name, value.contiguous(), false);
    }
    return "self." + name;
  }

  void line(const std::string& var, const std::string& expr) {
    *current_ += fmt::format("    {} = {}\n", var, expr);
  }

  Result<Shape> single_input(const KerasLayer& layer) {
    if (layer.inputs.size() != 1) return unsupported(layer, "expects exactly one input");
    return shapes_.at(layer.inputs[0]);
  }

  std::string in_var(const std::string& layer_name) { return vars_.at(layer_name); }

  Status activation(const KerasLayer& layer, const std::string& var) {
    auto name = layer.config.value("activation", "linear");
    bool ok = false;
    auto expr = activation_expr(name, var, &ok);
    if (!ok) return unsupported(layer, fmt::format("activation '{}' is not supported", name));
    if (expr != var) line(var, expr);
    return {};
  }

  Status emit(size_t i, const KerasLayer& layer, const std::string& var) {
    const auto& cls = layer.class_name;
    const auto& cfg = layer.config;
    if (cfg.is_object() && cfg.value("data_format", "channels_last") != "channels_last") {
      return unsupported(layer, "only channels_last models are supported");
    }
    vars_[layer.name] = var;
    if (cls == "InputLayer") {
      line(var, "x");
      shapes_[layer.name] = {model_.input_shape[2], model_.input_shape[0], model_.input_shape[1]};
      return {};
    }
    if (layer.inputs.empty()) return unsupported(layer, "has no input");
    for (const auto& in : layer.inputs) {
      if (!shapes_.count(in)) return unsupported(layer, fmt::format("input '{}' comes later", in));
    }
    if (cls == "Conv2D" || cls == "DepthwiseConv2D") return conv(i, layer, var);
    if (cls == "BatchNormalization") return batch_norm(i, layer, var);
    if (cls == "Dense") return dense(i, layer, var);
    if (cls == "MaxPooling2D" || cls == "AveragePooling2D") return pool(layer, var);
    auto in = in_var(layer.inputs[0]);
    Shape shape = shapes_.at(layer.inputs[0]);
    if (cls == "ZeroPadding2D") {
      auto pad = cfg.at("padding");
      int64_t top, bottom, left, right;
      if (pad.is_array() && pad[0].is_array()) {
        std::tie(top, bottom) = pair_of(pad[0]);
        std::tie(left, right) = pair_of(pad[1]);
      } else {
        std::tie(top, left) = pair_of(pad);
        bottom = top;
        right = left;
      }
      line(var, fmt::format("torch.constant_pad_nd({}, [{}, {}, {}, {}], 0.0)", in, left, right,
                            top, bottom));
      shape.h += top + bottom;
      shape.w += left + right;
    } else if (cls == "ReLU") {
      double slope = cfg.value("negative_slope", 0.0), threshold = cfg.value("threshold", 0.0);
      if (slope != 0.0 || threshold != 0.0) {
        return unsupported(layer, "ReLU with negative_slope or threshold is not supported");
      }
      if (cfg.contains("max_value") && !cfg.at("max_value").is_null()) {
        line(var, fmt::format("torch.clamp({}, 0.0, {})", in,
                              float_literal(cfg.at("max_value").get<double>())));
      } else {
        line(var, fmt::format("torch.relu({})", in));
      }
    } else if (cls == "Activation") {
      line(var, in);
      TRAINBOX_TRY(activation(layer, var));
    } else if (cls == "Dropout" || cls == "SpatialDropout2D" || cls == "GaussianNoise" ||
               cls == "GaussianDropout") {
      line(var, in);  // identity at inference
    } else if (cls == "Flatten") {
      // Keras flattens NHWC: keep its order so the following Dense weights line up.
      line(var, shape.flat || (shape.h == 1 && shape.w == 1)
                    ? fmt::format("torch.flatten({}, 1)", in)
                    : fmt::format("torch.flatten({}.permute(0, 2, 3, 1), 1)", in));
      shape = {shape.flat ? shape.c : shape.c * shape.h * shape.w, 1, 1, true};
    } else if (cls == "GlobalAveragePooling2D" || cls == "GlobalMaxPooling2D") {
      if (cfg.value("keepdims", false)) return unsupported(layer, "keepdims is not supported");
      line(var, cls == "GlobalAveragePooling2D" ? fmt::format("torch.mean({}, [2, 3])", in)
                                                : fmt::format("torch.amax({}, [2, 3])", in));
      shape = {shape.c, 1, 1, true};
    } else if (cls == "Add" || cls == "Multiply") {
      std::string expr;
      for (const auto& name : layer.inputs) {
        expr += (expr.empty() ? "" : (cls == "Add" ? " + " : " * ")) + in_var(name);
      }
      line(var, expr);
    } else if (cls == "Concatenate") {
      int axis = cfg.value("axis", -1);
      if (axis != -1 && axis != (shape.flat ? 1 : 3)) {
        return unsupported(layer, "only concatenation along channels is supported");
      }
      std::string list;
      int64_t channels = 0;
      for (const auto& name : layer.inputs) {
        list += (list.empty() ? "" : ", ") + in_var(name);
        channels += shapes_.at(name).c;
      }
      line(var, fmt::format("torch.cat([{}], 1)", list));
      shape.c = channels;
    } else {
      return unsupported(layer, "this layer type is not supported by the converter");
    }
    shapes_[layer.name] = shape;
    return {};
  }

  Status conv(size_t i, const KerasLayer& layer, const std::string& var) {
    auto shape_in = single_input(layer);
    if (!shape_in) return fail(shape_in.error());
    Shape in = *shape_in;
    const auto& cfg = layer.config;
    bool depthwise = layer.class_name == "DepthwiseConv2D";
    auto [kh, kw] = pair_of(cfg.at("kernel_size"));
    auto [sh, sw] = pair_of(cfg.value("strides", nlohmann::json::array({1, 1})));
    auto [dh, dw] = pair_of(cfg.value("dilation_rate", nlohmann::json::array({1, 1})));
    int64_t groups = cfg.value("groups", 1);
    auto mode = cfg.value("padding", "valid");
    if (mode != "valid" && mode != "same") return unsupported(layer, "padding " + mode);
    auto kernel = weight(layer, depthwise ? "depthwise_kernel" : "kernel");
    if (!kernel) return fail(kernel.error());
    torch::Tensor w;
    int64_t out_c = 0;
    if (depthwise) {
      // TF [kh, kw, in, mult] -> torch [in*mult, 1, kh, kw]; output channel c*mult + m.
      int64_t mult = kernel->size(3);
      w = kernel->permute({2, 3, 0, 1}).reshape({in.c * mult, 1, kh, kw});
      groups = in.c;
      out_c = in.c * mult;
    } else {
      // TF [kh, kw, in/groups, out] -> torch [out, in/groups, kh, kw].
      w = kernel->permute({3, 2, 0, 1});
      out_c = kernel->size(3);
    }
    if (kernel->size(0) != kh || kernel->size(1) != kw ||
        (!depthwise && kernel->size(2) * groups != in.c)) {
      return unsupported(layer, "kernel shape does not match the layer's input");
    }
    std::string bias = "None";
    if (cfg.value("use_bias", true)) {
      auto b = weight(layer, "bias");
      if (!b) return fail(b.error());
      bias = add(i, "b", *b, false);
    }
    auto ph = pad_1d(mode, in.h, kh, sh, dh), pw = pad_1d(mode, in.w, kw, sw, dw);
    std::string x = in_var(layer.inputs[0]);
    int64_t conv_ph = ph.before, conv_pw = pw.before;
    if (ph.before != ph.after || pw.before != pw.after) {
      line(var, fmt::format("torch.constant_pad_nd({}, [{}, {}, {}, {}], 0.0)", x, pw.before,
                            pw.after, ph.before, ph.after));
      x = var;
      conv_ph = conv_pw = 0;
    }
    line(var, fmt::format("torch.conv2d({}, {}, {}, [{}, {}], [{}, {}], [{}, {}], {})", x,
                          add(i, "w", w, false), bias, sh, sw, conv_ph, conv_pw, dh, dw, groups));
    flops_ += 2.0 * static_cast<double>(ph.out * pw.out * out_c) *
              static_cast<double>(in.c / groups * kh * kw);
    shapes_[layer.name] = {out_c, ph.out, pw.out, false};
    return activation(layer, var);
  }

  Status batch_norm(size_t i, const KerasLayer& layer, const std::string& var) {
    auto shape_in = single_input(layer);
    if (!shape_in) return fail(shape_in.error());
    const auto& cfg = layer.config;
    auto axis = cfg.value("axis", nlohmann::json(-1));
    if (axis.is_array() && axis.size() == 1) axis = axis[0];
    int expected_axis = shape_in->flat ? 1 : 3;
    if (!axis.is_number_integer() || (axis.get<int>() != -1 && axis.get<int>() != expected_axis)) {
      return unsupported(layer, "only batch norm over channels (axis -1) is supported");
    }
    int64_t c = shape_in->c;
    auto fetch = [&](const char* suffix, bool present, float fallback) -> Result<torch::Tensor> {
      if (!present) return torch::full({c}, fallback);
      return weight(layer, suffix);
    };
    auto gamma = fetch("gamma", cfg.value("scale", true), 1.0f);
    auto beta = fetch("beta", cfg.value("center", true), 0.0f);
    auto mean = weight(layer, "moving_mean");
    auto variance = weight(layer, "moving_variance");
    for (auto* r : {&gamma, &beta, &mean, &variance}) {
      if (!*r) return fail(r->error());
      if ((*r)->numel() != c) return unsupported(layer, "weights do not match the channels");
    }
    double eps = cfg.value("epsilon", 1e-3);
    // A disabled scale or centre stays fixed (a buffer), as in Keras.
    line(var,
         fmt::format("torch.batch_norm({}, {}, {}, {}, {}, False, 0.0, {}, False)",
                     in_var(layer.inputs[0]), add(i, "gamma", *gamma, !cfg.value("scale", true)),
                     add(i, "beta", *beta, !cfg.value("center", true)), add(i, "mean", *mean, true),
                     add(i, "var", *variance, true), float_literal(eps)));
    shapes_[layer.name] = *shape_in;
    return {};
  }

  Status dense(size_t i, const KerasLayer& layer, const std::string& var) {
    auto shape_in = single_input(layer);
    if (!shape_in) return fail(shape_in.error());
    if (!shape_in->flat) return unsupported(layer, "Dense on an image tensor (flatten first)");
    auto kernel = weight(layer, "kernel");
    if (!kernel) return fail(kernel.error());
    if (kernel->dim() != 2 || kernel->size(0) != shape_in->c) {
      return unsupported(layer, "kernel shape does not match the input features");
    }
    std::string bias = "None";
    if (layer.config.value("use_bias", true)) {
      auto b = weight(layer, "bias");
      if (!b) return fail(b.error());
      bias = add(i, "b", *b, false);
    }
    line(var, fmt::format("torch.linear({}, {}, {})", in_var(layer.inputs[0]),
                          add(i, "w", kernel->t(), false), bias));
    flops_ += 2.0 * static_cast<double>(kernel->numel());
    shapes_[layer.name] = {kernel->size(1), 1, 1, true};
    return activation(layer, var);
  }

  Status pool(const KerasLayer& layer, const std::string& var) {
    auto shape_in = single_input(layer);
    if (!shape_in) return fail(shape_in.error());
    const auto& cfg = layer.config;
    auto [kh, kw] = pair_of(cfg.at("pool_size"));
    auto strides = cfg.contains("strides") && !cfg.at("strides").is_null() ? cfg.at("strides")
                                                                           : cfg.at("pool_size");
    auto [sh, sw] = pair_of(strides);
    auto mode = cfg.value("padding", "valid");
    if (mode != "valid" && mode != "same") return unsupported(layer, "padding " + mode);
    auto ph = pad_1d(mode, shape_in->h, kh, sh, 1), pw = pad_1d(mode, shape_in->w, kw, sw, 1);
    std::string x = in_var(layer.inputs[0]);
    bool symmetric = ph.before == ph.after && pw.before == pw.after;
    if (layer.class_name == "MaxPooling2D") {
      if (!symmetric) {
        line(var, fmt::format("torch.constant_pad_nd({}, [{}, {}, {}, {}], float(\"-inf\"))", x,
                              pw.before, pw.after, ph.before, ph.after));
        x = var;
      }
      int64_t pad_h = symmetric ? ph.before : 0, pad_w = symmetric ? pw.before : 0;
      line(var, fmt::format("torch.max_pool2d({}, [{}, {}], [{}, {}], [{}, {}], [1, 1], False)", x,
                            kh, kw, sh, sw, pad_h, pad_w));
    } else {
      // TensorFlow averages over the pixels inside the image only (count_include_pad=False).
      if (!symmetric) return unsupported(layer, "uneven 'same' padding of an average pool");
      line(var, fmt::format("torch.avg_pool2d({}, [{}, {}], [{}, {}], [{}, {}], False, False, "
                            "None)",
                            x, kh, kw, sh, sw, ph.before, pw.before));
    }
    shapes_[layer.name] = {shape_in->c, ph.out, pw.out, false};
    return {};
  }

  const TfjsModel& model_;
  torch::jit::Module module_;
  std::map<std::string, Shape> shapes_;
  std::map<std::string, std::string> vars_;
  std::set<std::string> after_cut_;
  std::string* current_ = nullptr;
  double flops_ = 0;
};

}  // namespace

Result<KerasNetwork> build_keras_network(const TfjsModel& model, const std::string& feature_layer) {
  try {
    return Builder(model).build(feature_layer);
  } catch (const nlohmann::json::exception& e) {
    return fail(ErrorCode::kInvalidArgument, "tfjs_model_invalid",
                fmt::format("unexpected layer config: {}", e.what()));
  }
}

}  // namespace trainbox::ml::backbones
