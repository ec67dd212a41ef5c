// The TF.js reader and the Keras -> TorchScript builder on small models written by the test:
// dequantisation, TensorFlow's uneven "same" padding, NHWC flatten order, and the refusals
// (unsupported layers, shards that leave the folder or do not match the manifest).

#include "ml/backbones/tfjs_model.h"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "ml/backbones.h"
#include "ml/backbones/keras_network.h"
#include "util/fs.h"

namespace trainbox::ml::backbones {
namespace {
namespace fsys = std::filesystem;
using nlohmann::json;

json layer(const std::string& name, const std::string& cls, json config, const std::string& input) {
  config["name"] = name;
  json inbound = input.empty()
                     ? json::array()
                     : json::array({json::array({json::array({input, 0, 0, json::object()})})});
  return {{"name", name}, {"class_name", cls}, {"config", config}, {"inbound_nodes", inbound}};
}

// A model: 8x8x3 input -> Conv2D 3x3 stride 2 "same" (4 filters, relu) -> Flatten -> Dense 2
// softmax. Weights float32, except the dense kernel, which is uint8-quantised.
struct TinyModel {
  TempDir dir{fsys::temp_directory_path(), "tfjs-tiny"};
  torch::Tensor conv_kernel = torch::randn({3, 3, 3, 4});  // HWIO
  torch::Tensor conv_bias = torch::randn({4});
  std::vector<uint8_t> dense_q;  // [64, 2]
  double q_min = -0.5, q_scale = 0.01;
  json model_json;

  explicit TinyModel(const std::string& extra_class = "") {
    torch::manual_seed(3);
    conv_kernel = torch::randn({3, 3, 3, 4});
    conv_bias = torch::randn({4});
    for (int i = 0; i < 64 * 2; ++i) dense_q.push_back(static_cast<uint8_t>((i * 37) % 256));
    json layers = json::array({
        layer("input_1", "InputLayer", {{"batch_input_shape", {nullptr, 8, 8, 3}}}, ""),
        layer("conv", "Conv2D",
              {{"filters", 4},
               {"kernel_size", {3, 3}},
               {"strides", {2, 2}},
               {"padding", "same"},
               {"activation", "relu"},
               {"use_bias", true}},
              "input_1"),
        layer("flat", "Flatten", json::object(), "conv"),
        layer("dense", "Dense", {{"units", 2}, {"activation", "softmax"}, {"use_bias", false}},
              "flat"),
    });
    if (!extra_class.empty()) layers.push_back(layer("odd", extra_class, json::object(), "dense"));
    std::string output = extra_class.empty() ? "dense" : "odd";
    model_json = {
        {"modelTopology",
         {{"model_config",
           {{"class_name", "Model"},
            {"config",
             {{"layers", layers},
              {"input_layers", {{"input_1", 0, 0}}},
              {"output_layers", {{output, 0, 0}}}}}}}}},
        {"weightsManifest",
         {{{"paths", {"group1-shard1of1.bin"}},
           {"weights",
            {{{"name", "conv/kernel"}, {"shape", {3, 3, 3, 4}}, {"dtype", "float32"}},
             {{"name", "conv/bias"}, {"shape", {4}}, {"dtype", "float32"}},
             {{"name", "dense/kernel"},
              {"shape", {64, 2}},
              {"dtype", "float32"},
              {"quantization", {{"dtype", "uint8"}, {"min", q_min}, {"scale", q_scale}}}}}}}}},
    };
  }

  std::string shard() const {
    std::string bytes(reinterpret_cast<const char*>(conv_kernel.contiguous().data_ptr<float>()),
                      conv_kernel.numel() * 4);
    bytes.append(reinterpret_cast<const char*>(conv_bias.data_ptr<float>()), 4 * 4);
    bytes.append(dense_q.begin(), dense_q.end());
    return bytes;
  }

  fsys::path write(const std::string& shard_bytes) {
    EXPECT_TRUE(write_file_atomic(dir.path() / "model.json", model_json.dump()));
    EXPECT_TRUE(write_file_atomic(dir.path() / "group1-shard1of1.bin", shard_bytes));
    return dir.path();
  }
  fsys::path write() { return write(shard()); }
};

TEST(TfjsModelTest, DequantisesAsTfjsDoes) {
  TinyModel tiny;
  auto model = read_tfjs_model(tiny.write());
  ASSERT_TRUE(model) << model.error().message;
  EXPECT_EQ(model->quantization, "none+uint8");
  auto dense = model->weights.at("dense/kernel");
  ASSERT_EQ(dense.sizes(), (std::vector<int64_t>{64, 2}));
  for (int i : {0, 1, 77, 127}) {
    float expected = static_cast<float>(tiny.dense_q[i] * tiny.q_scale + tiny.q_min);
    EXPECT_EQ(dense.view(-1)[i].item<float>(), expected);
  }
  EXPECT_EQ(model->file_sha256.size(), 2U);
  EXPECT_TRUE(torch::equal(model->weights.at("conv/kernel"), tiny.conv_kernel));
}

TEST(TfjsModelTest, BuildsTheSameNetworkWithTensorFlowPaddingAndFlattenOrder) {
  TinyModel tiny;
  auto model = read_tfjs_model(tiny.write());
  ASSERT_TRUE(model);
  auto net = build_keras_network(*model, "");
  ASSERT_TRUE(net) << net.error().message;
  EXPECT_EQ(net->feature_layer, "flat");
  EXPECT_EQ(net->feature_dim, 4 * 4 * 4);
  EXPECT_EQ(net->num_outputs, 2);

  // The reference, written out by hand in NHWC terms: TensorFlow pads a stride-2 "same" 3x3
  // convolution of an even side with 0 before and 1 after.
  torch::NoGradGuard no_grad;
  auto x = torch::rand({2, 3, 8, 8});
  auto padded = torch::constant_pad_nd(x, {0, 1, 0, 1}, 0);
  auto conv =
      torch::relu(torch::conv2d(padded, tiny.conv_kernel.permute({3, 2, 0, 1}), tiny.conv_bias, 2));
  auto flat_nhwc = conv.permute({0, 2, 3, 1}).reshape({2, -1});
  auto dense = model->weights.at("dense/kernel");
  auto expected = torch::softmax(torch::mm(flat_nhwc, dense), 1);
  auto features = net->module.forward({x}).toTensor();
  auto probabilities = net->module.run_method("classify", x).toTensor();
  EXPECT_LT((features - flat_nhwc).abs().max().item<double>(), 1e-5);
  EXPECT_LT((probabilities - expected).abs().max().item<double>(), 1e-6);
}

TEST(TfjsModelTest, UnsupportedLayerIsNamed) {
  TinyModel tiny("LSTM");
  auto model = read_tfjs_model(tiny.write());
  ASSERT_TRUE(model);
  auto net = build_keras_network(*model, "");
  ASSERT_FALSE(net);
  EXPECT_EQ(net.error().slug, "tfjs_layer_unsupported");
  EXPECT_NE(net.error().message.find("layer 'odd' (LSTM)"), std::string::npos)
      << net.error().message;
}

TEST(TfjsModelTest, ShardsThatDoNotMatchTheManifestAreRefused) {
  TinyModel short_shard;
  auto bytes = short_shard.shard();
  auto model = read_tfjs_model(short_shard.write(bytes.substr(0, bytes.size() - 10)));
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("end before weight 'dense/kernel'"), std::string::npos)
      << model.error().message;

  TinyModel long_shard;
  model = read_tfjs_model(long_shard.write(long_shard.shard() + "xx"));
  ASSERT_FALSE(model);
  EXPECT_NE(model.error().message.find("describes"), std::string::npos) << model.error().message;
}

TEST(TfjsModelTest, ShardPathOutsideTheFolderIsRefused) {
  TinyModel tiny;
  tiny.model_json["weightsManifest"][0]["paths"][0] = "../../etc/passwd";
  auto model = read_tfjs_model(tiny.write());
  ASSERT_FALSE(model);
  EXPECT_EQ(model.error().slug, "tfjs_model_invalid");
  EXPECT_NE(model.error().message.find("leaves the model folder"), std::string::npos);
}

TEST(TfjsModelTest, ConvertRefusesABadNameAndInstallsNothing) {
  TinyModel tiny;
  TempDir out(fsys::temp_directory_path(), "tfjs-out");
  ConvertBackboneRequest request;
  request.tfjs_dir = tiny.write();
  request.out_dir = out.path();
  request.name = "../evil";
  auto result = convert_tfjs_backbone(request);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().slug, "backbone_name_invalid");
  EXPECT_TRUE(fsys::is_empty(out.path()));
}

}  // namespace
}  // namespace trainbox::ml::backbones
