// End-to-end image pipeline: train on generated shapes, export, reload, serve, and check the
// bundle against Debian's python3-torch and the C++ example program. Training runs once per
// suite (SetUpTestSuite) to keep the suite fast.

#include "ml/image/image_trainer.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "ml/bundle/bundle.h"
#include "ml/testing/image_fixtures.h"

namespace trainbox::ml::image {
namespace {

namespace fs = std::filesystem;

std::string run_command(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  int status = pclose(pipe);
  if (status != 0) out += "\nEXIT " + std::to_string(status);
  return out;
}

class ImageTrainerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ =
        new fs::path(fs::temp_directory_path() / ("trainbox_image_" + std::to_string(::getpid())));
    fs::create_directories(*root_);
    testing::write_zip(*root_ / "shapes.zip", testing::shape_files(3, 80, 64, "shapes/"));
    TrainRequest request;
    request.dataset = *root_ / "shapes.zip";
    request.work_dir = *root_ / "work";
    request.bundle_path = *root_ / "bundle.zip";
    request.options.time_budget_s = 120;
    TrainHooks hooks;
    hooks.report = [](const TrainProgress&) { ++reports_; };
    hooks.dataset_ready = [](const DatasetSummary& s) { summary_ = new DatasetSummary(s); };
    auto start = std::chrono::steady_clock::now();
    result_ = new Result<TrainResult>(train_image(request, hooks));
    seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  static void TearDownTestSuite() {
    fs::remove_all(*root_);
    delete root_;
    delete result_;
    delete summary_;
  }

  static inline fs::path* root_ = nullptr;
  static inline Result<TrainResult>* result_ = nullptr;
  static inline DatasetSummary* summary_ = nullptr;
  static inline int reports_ = 0;
  static inline double seconds_ = 0;
};

TEST_F(ImageTrainerTest, TrainsShapesToHighAccuracy) {
  ASSERT_TRUE(*result_) << result_->error().slug << ": " << result_->error().message;
  const auto& m = (*result_)->metrics;
  std::printf("val_accuracy %.3f in %.1f s; %s\n", m["val_accuracy"].get<double>(), seconds_,
              m["leaderboard"].dump().c_str());
  EXPECT_GE(m["val_accuracy"].get<double>(), 0.95);
  EXPECT_EQ(m["confusion_matrix"].size(), 3U);
  EXPECT_TRUE(m["per_class"].contains("circle"));
  EXPECT_EQ(m["per_class"]["square"]["support"].get<int>(), 16);
  ASSERT_NE(summary_, nullptr);
  EXPECT_EQ(summary_->num_items, 240);
  EXPECT_EQ(summary_->classes, (std::vector<std::string>{"circle", "square", "triangle"}));
  EXPECT_GT(reports_, 0);
  // auto searched: the recorded model is the kept leaderboard entry, and a trained network has
  // its per-epoch history.
  std::string architecture = m["model"]["architecture"];
  bool kept_found = false;
  for (const auto& row : m["leaderboard"]) {
    if (row["candidate"] == architecture) kept_found = row["kept"].get<bool>();
  }
  EXPECT_TRUE(kept_found) << m["leaderboard"].dump();
  EXPECT_EQ(std::string(m["model"]["reason"]).rfind("auto: " + architecture + " was best", 0), 0U);
  if (architecture == "tiny_cnn" || architecture == "tiny_cnn+flip") {
    ASSERT_FALSE(m["history"].empty());
    EXPECT_TRUE(m["history"][0].contains("val_loss"));
  }
}

// What the web page sends: a few dozen photos resized to 224 px, and few epochs. tiny_cnn
// trains at 64 px, and an epoch of so few images repeats them (augmented) up to 384 samples,
// so three epochs are enough to leave chance (1/3) well behind.
TEST(ImageTrainerSmallSet, SixtyImagesAt224PxWithThreeEpochsLearn) {
  fs::path root = fs::temp_directory_path() / ("trainbox_small_" + std::to_string(::getpid()));
  fs::create_directories(root);
  testing::write_zip(root / "small.zip", testing::shape_files(3, 20, 224, "", 2));
  TrainRequest request;
  request.dataset = root / "small.zip";
  request.work_dir = root / "work";
  request.bundle_path = root / "bundle.zip";
  request.options.epochs = 3;
  request.options.backbone = "tiny_cnn";
  auto result = train_image(request, {});
  fs::remove_all(root);
  ASSERT_TRUE(result) << result.error().message;
  const auto& m = result->metrics;
  std::printf("val_accuracy %.3f; %s\n", m["val_accuracy"].get<double>(),
              m["model"]["reason"].get<std::string>().c_str());
  EXPECT_GE(m["val_accuracy"].get<double>(), 0.7);
  EXPECT_EQ(m["history"].size(), 3U);
  EXPECT_EQ(m["model"]["image_size"], 64);
  EXPECT_EQ(m["model"]["samples_per_epoch"], 384);
  EXPECT_EQ(m["model"]["reason"], "tiny_cnn requested");
  ASSERT_EQ(m["leaderboard"].size(), 1U);
  EXPECT_TRUE(m["leaderboard"][0]["kept"].get<bool>());
}

TEST_F(ImageTrainerTest, BundleHasAllFilesAndServesLikeItsRawMethod) {
  ASSERT_TRUE(*result_);
  auto predictor = load_predictor(*root_ / "bundle.zip", *root_ / "serve");
  ASSERT_TRUE(predictor) << predictor.error().message;
  EXPECT_EQ((*predictor)->kind(), TaskKind::kImage);
  EXPECT_FALSE((*predictor)->predict_texts({"x"}, 1));
  std::mt19937 rng(99);
  std::vector<std::string> files;
  std::vector<data::RgbImage> images;
  for (int i = 0; i < 6; ++i) {
    images.push_back(testing::make_shape(i % 3, 80 + 8 * (i % 2), rng));
    files.push_back(testing::encode_png(images.back()));
  }
  auto predictions = (*predictor)->predict_images(files, 2);
  ASSERT_TRUE(predictions) << predictions.error().message;
  ASSERT_EQ(predictions->size(), 6U);
  auto module = torch::jit::load((*root_ / "serve" / "model.pt").string());
  module.eval();
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 6; ++i) {
    auto& image = images[i];
    auto raw =
        torch::from_blob(image.pixels.data(), {1, image.height, image.width, 3}, torch::kUInt8);
    auto probs = module.get_method("predict_raw")({raw}).toTensor()[0];
    int64_t best = probs.argmax().item<int64_t>();
    EXPECT_EQ((*predictions)[i].label, testing::shape_names()[best]);
    EXPECT_NEAR((*predictions)[i].score, probs[best].item<double>(), 1e-4);
    EXPECT_EQ((*predictions)[i].top.size(), 2U);
  }
}

// Writes a few shape images as PNG files and returns (path, predictor's probabilities by class).
std::vector<std::pair<fs::path, Prediction>> predicted_files(const fs::path& root, int count) {
  auto predictor = load_predictor(root / "bundle.zip", root / "serve2");
  std::mt19937 rng(5);
  std::vector<std::pair<fs::path, Prediction>> out;
  for (int i = 0; i < count; ++i) {
    std::string png = testing::encode_png(testing::make_shape(i % 3, 72, rng));
    fs::path path = root / ("input_" + std::to_string(i) + ".png");
    std::ofstream(path, std::ios::binary) << png;
    auto p = (*predictor)->predict_images({png}, 3);
    out.push_back({path, p->at(0)});
  }
  return out;
}

TEST_F(ImageTrainerTest, PythonTorchLoadsBundleAndAgrees) {
  ASSERT_TRUE(*result_);
  auto inputs = predicted_files(*root_, 3);
  std::ofstream(*root_ / "check.py") << R"PY(
import sys
import numpy as np
import torch
import zlib
from struct import unpack

def read_png_rgb(path):
    data = open(path, "rb").read()
    pos, chunks, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height = unpack(">II", body[:8])
        if kind == b"IDAT":
            chunks += body
        pos += 12 + length
    raw = zlib.decompress(chunks)
    stride = width * 3
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - 3] if x >= 3 else 0
            b = prev[x]
            c = prev[x - 3] if x >= 3 else 0
            if kind == 1: line[x] = (line[x] + a) & 255
            elif kind == 2: line[x] = (line[x] + b) & 255
            elif kind == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
        rows.append(bytes(line))
        prev = line
    return np.frombuffer(b"".join(rows), dtype=np.uint8).reshape(height, width, 3)

model = torch.jit.load(sys.argv[1]).eval()
for path in sys.argv[2:]:
    pixels = torch.from_numpy(read_png_rgb(path).copy())
    with torch.no_grad():
        probs = model.predict_raw(pixels.unsqueeze(0))[0]
    print(" ".join("%.8f" % v for v in probs.tolist()))
)PY";
  std::string command = "/usr/bin/python3 " + (*root_ / "check.py").string() + " " +
                        (*root_ / "serve2" / "model.pt").string();
  for (const auto& [path, p] : inputs) command += " " + path.string();
  std::string out = run_command(command + " 2>&1");
  std::istringstream lines(out);
  for (const auto& [path, prediction] : inputs) {
    std::vector<double> probs(3);
    ASSERT_TRUE(lines >> probs[0] >> probs[1] >> probs[2]) << out;
    for (const auto& scored : prediction.top) {
      size_t k =
          std::find(testing::shape_names().begin(), testing::shape_names().end(), scored.label) -
          testing::shape_names().begin();
      EXPECT_NEAR(probs[k], scored.score, 1e-4) << path;
    }
  }
}

TEST_F(ImageTrainerTest, CppExampleProgramAgrees) {
  ASSERT_TRUE(*result_);
  auto inputs = predicted_files(*root_, 3);
  std::string command =
      std::string(TRAINBOX_LOAD_BUNDLE_EXAMPLE) + " " + (*root_ / "serve2").string();
  for (const auto& [path, p] : inputs) command += " " + path.string();
  std::string out = run_command(command + " 2>&1");
  std::istringstream lines(out);
  for (const auto& [path, prediction] : inputs) {
    std::string file, label;
    double score = 0;
    ASSERT_TRUE(lines >> file >> label >> score) << out;
    EXPECT_EQ(file, path.string());
    EXPECT_EQ(label, prediction.label);
    EXPECT_NEAR(score, prediction.score, 1e-4);
  }
}

}  // namespace
}  // namespace trainbox::ml::image
