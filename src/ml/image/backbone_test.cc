// The pretrained-backbone path with a backbone the test writes itself (random weights): a
// TorchScript feature extractor built in C++ plus its JSON in a temporary backbones folder.
// One training (head on cached features, then conditional fine-tuning) is shared by the suite.

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <cmath>
#include <fstream>
#include <random>

#include "ml/bundle/bundle.h"
#include "ml/image/image_trainer.h"
#include "ml/testing/image_fixtures.h"

namespace trainbox::ml::image {
namespace {

namespace fs = std::filesystem;

constexpr int kInput = 32;
constexpr int kFeatures = 32;

// Three strided conv + batch norm + ReLU blocks and a global max pool:
// forward(x[N,3,S,S]) -> [N, kFeatures]. Batch norm makes train/eval mode matter.
// `gflops` < 0 leaves feature_gflops out of the JSON (its cost is then unknown).
void write_random_backbone(const fs::path& dir, const std::string& name, int feature_dim,
                           double gflops = -1) {
  torch::manual_seed(7);
  torch::jit::Module m("RandomBackbone");
  m.register_attribute("training", c10::BoolType::get(), false);
  const int channels[] = {3, 16, 32, kFeatures};
  std::string source = "def forward(self, x):\n";
  for (int i = 0; i < 3; ++i) {
    std::string c = "c" + std::to_string(i);
    m.register_parameter(
        c + "_w",
        torch::randn({channels[i + 1], channels[i], 3, 3}) / std::sqrt(9.0 * channels[i] / 2),
        false);
    m.register_parameter(c + "_g", torch::ones({channels[i + 1]}), false);
    m.register_parameter(c + "_b", torch::zeros({channels[i + 1]}), false);
    m.register_buffer(c + "_rm", torch::zeros({channels[i + 1]}));
    m.register_buffer(c + "_rv", torch::ones({channels[i + 1]}));
    source += "    x = torch.conv2d(x, self." + c + "_w, None, [2, 2], [1, 1], [1, 1], 1)\n" +
              "    x = torch.relu(torch.batch_norm(x, self." + c + "_g, self." + c + "_b, self." +
              c + "_rm, self." + c + "_rv, self.training, 0.1, 1e-5, False))\n";
  }
  m.define(source + "    return torch.amax(x, [2, 3])\n");
  fs::create_directories(dir);
  m.save((dir / (name + ".pt")).string());
  nlohmann::json meta = {{"input_size", kInput},
                         {"mean", {0.5, 0.5, 0.5}},
                         {"std", {0.25, 0.25, 0.25}},
                         {"feature_dim", feature_dim}};
  if (gflops >= 0) meta["feature_gflops"] = gflops;
  std::ofstream(dir / (name + ".json")) << meta.dump();
}

class BackboneTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new fs::path(fs::temp_directory_path() /
                         ("trainbox_backbone_" + std::to_string(::getpid())));
    fs::create_directories(*root_);
    write_random_backbone(*root_ / "backbones", "rand_cnn", kFeatures);
    testing::write_zip(*root_ / "shapes.zip", testing::shape_files(3, 30, 48));
    TrainRequest request = request_for("rand_cnn", "named");
    // Random features are poor: fine-tune at a rate that can move them (a pretrained backbone
    // fine-tunes at 1e-4 by default).
    request.options.epochs = 8;
    request.options.learning_rate = 3e-3;
    result_ = new Result<TrainResult>(train_image(request, {}));
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    delete result_;
  }

  static TrainRequest request_for(const std::string& backbone, const std::string& run) {
    TrainRequest request;
    request.dataset = *root_ / "shapes.zip";
    request.work_dir = *root_ / run / "work";
    request.bundle_path = *root_ / run / "bundle.zip";
    request.backbones_dir = *root_ / "backbones";
    request.options.backbone = backbone;
    request.options.time_budget_s = 60;
    return request;
  }

  static inline fs::path* root_ = nullptr;
  static inline Result<TrainResult>* result_ = nullptr;
};

TEST_F(BackboneTest, TrainsAndRecordsWhichPathWasKept) {
  ASSERT_TRUE(*result_) << result_->error().slug << ": " << result_->error().message;
  const auto& m = (*result_)->metrics;
  const auto& model = m["model"];
  std::printf("val_accuracy %.3f; %s\n", m["val_accuracy"].get<double>(),
              model["reason"].get<std::string>().c_str());
  EXPECT_EQ(m["architecture"], "backbone:rand_cnn");
  EXPECT_EQ(model["architecture"], "backbone:rand_cnn");
  EXPECT_EQ(model["image_size"], kInput);
  std::string reason = model["reason"];
  EXPECT_EQ(reason.rfind("backbone 'rand_cnn' requested: head on cached features reached", 0), 0U)
      << reason;
  double head = model["head_val_accuracy"];
  // Random features make a weak head (0.4-0.5 here), so either path may win; what is checked is
  // that the record says which one was kept and that the bundle is that one.
  EXPECT_GE(head, 0.0);
  EXPECT_LE(head, 1.0);
  if (model["path"] == "fine_tuned") {
    ASSERT_TRUE(model.contains("fine_tuned_val_accuracy"));
    EXPECT_GT(model["fine_tuned_val_accuracy"].get<double>(), head);
    EXPECT_NE(reason.find(", kept"), std::string::npos) << reason;
    EXPECT_NEAR(m["val_accuracy"].get<double>(), model["fine_tuned_val_accuracy"].get<double>(),
                0.02);
  } else {
    EXPECT_EQ(model["path"], "head_only");
    EXPECT_TRUE(reason.find("discarded") != std::string::npos ||
                reason.find("no fine-tuning needed") != std::string::npos ||
                reason.find("no time left") != std::string::npos)
        << reason;
    EXPECT_NEAR(m["val_accuracy"].get<double>(), head, 0.02);
  }
}

TEST_F(BackboneTest, BundleModelLoadsAndAgreesWithThePredictor) {
  ASSERT_TRUE(*result_);
  auto predictor = load_predictor(*root_ / "named" / "bundle.zip", *root_ / "serve");
  ASSERT_TRUE(predictor) << predictor.error().message;
  std::ifstream preprocess_file(*root_ / "serve" / "preprocess.json");
  auto preprocess = nlohmann::json::parse(preprocess_file);
  EXPECT_EQ(preprocess["size"], kInput);
  EXPECT_EQ(preprocess["mean"], nlohmann::json({0.5, 0.5, 0.5}));
  std::mt19937 rng(11);
  std::vector<data::RgbImage> images;
  std::vector<std::string> files;
  for (int i = 0; i < 4; ++i) {
    images.push_back(testing::make_shape(i % 3, 56, rng));
    files.push_back(testing::encode_png(images.back()));
  }
  auto predictions = (*predictor)->predict_images(files, 3);
  ASSERT_TRUE(predictions) << predictions.error().message;
  auto module = torch::jit::load((*root_ / "serve" / "model.pt").string());
  module.eval();
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < images.size(); ++i) {
    auto raw = torch::from_blob(images[i].pixels.data(), {1, 56, 56, 3}, torch::kUInt8);
    auto probs = module.get_method("predict_raw")({raw}).toTensor()[0];
    int64_t best = probs.argmax().item<int64_t>();
    EXPECT_EQ((*predictions)[i].label, testing::shape_names()[best]);
    EXPECT_NEAR((*predictions)[i].score, probs[best].item<double>(), 1e-4);
  }
}

TEST_F(BackboneTest, AutoTriesTheCheapestInstalledBackboneFirst) {
  // rand_cnn's JSON has no cost; zz_cheap is later by name but says what it costs.
  write_random_backbone(*root_ / "backbones", "zz_cheap", kFeatures, 0.01);
  TrainRequest request = request_for("auto", "auto");
  request.options.epochs = 1;
  auto result = train_image(request, {});
  fs::remove(*root_ / "backbones" / "zz_cheap.json");
  ASSERT_TRUE(result) << result.error().message;
  std::vector<std::string> heads;
  for (const auto& row : result->metrics["leaderboard"]) {
    std::string name = row["candidate"];
    if (name.rfind("head:", 0) == 0) heads.push_back(name);
  }
  ASSERT_EQ(heads.size(), 2U) << result->metrics["leaderboard"].dump();
  EXPECT_EQ(heads[0], "head:zz_cheap");
  EXPECT_EQ(heads[1], "head:rand_cnn");
}

TEST_F(BackboneTest, WrongFeatureDimIsRefusedByName) {
  write_random_backbone(*root_ / "bad_backbones", "liar", kFeatures + 1);
  TrainRequest request = request_for("liar", "bad");
  request.backbones_dir = *root_ / "bad_backbones";
  auto result = train_image(request, {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().slug, "backbone_invalid");
  EXPECT_NE(result.error().message.find("feature_dim is 33"), std::string::npos)
      << result.error().message;
}

TEST_F(BackboneTest, UnknownBackboneIsNotFound) {
  auto result = train_image(request_for("missing", "missing"), {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().slug, "backbone_not_found");
}

}  // namespace
}  // namespace trainbox::ml::image
