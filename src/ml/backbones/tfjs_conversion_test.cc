// The conversion check of issue 6: the nsfwjs models converted by trainbox give the same full
// 5-class output as the original TF.js models run by @tensorflow/tfjs (pure-JS CPU backend) on
// the same images, to 1e-3. Needs the npm cache that `make backbones` fills
// (scripts/install_backbones.sh); the test fails, not skips, when it is missing.

#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/torch.h>

#include <random>

#include "ml/backbones.h"
#include "ml/image/models.h"
#include "ml/testing/backbone_cache.h"
#include "ml/testing/image_fixtures.h"
#include "util/fs.h"

namespace trainbox::ml {
namespace {
namespace fsys = std::filesystem;

// Real pictures where the machine has some (Debian's icon themes), then generated ones: shapes,
// a colour gradient and noise, so every channel and activation range is exercised.
std::vector<torch::Tensor> test_images(int count, int size) {
  std::vector<torch::Tensor> images;
  auto add = [&](const data::RgbImage& image) {
    auto hwc = torch::from_blob(const_cast<uint8_t*>(image.pixels.data()),
                                {image.height, image.width, 3}, torch::kUInt8);
    images.push_back(image::square_resize(hwc, size).round().clamp(0, 255).to(torch::kUInt8));
  };
  for (const char* path : {"/usr/share/icons/hicolor/256x256/apps/chromium.png",
                           "/usr/share/pixmaps/debian-logo.png"}) {
    auto bytes = read_file(path);
    if (!bytes) continue;
    auto decoded = data::decode_image(*bytes);
    if (decoded) add(*decoded);
  }
  std::mt19937 rng(7);
  data::RgbImage image{size, size, std::vector<uint8_t>(static_cast<size_t>(size) * size * 3)};
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      uint8_t* p = &image.pixels[(static_cast<size_t>(y) * size + x) * 3];
      p[0] = static_cast<uint8_t>(255 * x / size);
      p[1] = static_cast<uint8_t>(255 * y / size);
      p[2] = static_cast<uint8_t>(rng() % 256);
    }
  }
  add(image);
  for (int label = 0; static_cast<int>(images.size()) < count; ++label) {
    add(testing::make_shape(label % 3, 96, rng));
  }
  images.resize(static_cast<size_t>(count));
  return images;
}

struct Case {
  std::string model;
  int size;
  int images;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.model << " at " << c.size << " px"; }

class TfjsConversionTest : public ::testing::TestWithParam<Case> {};

TEST_P(TfjsConversionTest, ConvertedModelMatchesTfjsOnTheSameImages) {
  const Case& c = GetParam();
  fsys::path tfjs_dir = testing::cached_tfjs_model(c.model);
  fsys::path node_modules = testing::backbone_cache_dir() / "npm" / "node_modules";
  ASSERT_TRUE(fsys::exists(tfjs_dir / "model.json") && fsys::exists(node_modules))
      << "no unwrapped " << c.model << " in " << testing::backbone_cache_dir()
      << ": run `make backbones` (scripts/install_backbones.sh) first";
  const std::string source_dir = TRAINBOX_SOURCE_TREE;  // for tools/tfjs/reference.cjs

  TempDir work(fsys::temp_directory_path(), "tfjs-conversion");
  auto meta = testing::convert_cached_nsfwjs(c.model, work.path());
  ASSERT_TRUE(meta) << meta.error().message;
  EXPECT_EQ((*meta)["input_size"], c.size);

  auto images = torch::stack(test_images(c.images, c.size)).permute({0, 2, 3, 1}).contiguous();
  fsys::path raw = work.path() / "input.raw", out = work.path() / "tfjs.json";
  ASSERT_TRUE(write_file_atomic(raw, std::string_view(static_cast<const char*>(images.data_ptr()),
                                                      static_cast<size_t>(images.numel()))));
  std::string command = "NODE_PATH='" + node_modules.string() + "' node '" + source_dir +
                        "/tools/tfjs/reference.cjs' --model '" + tfjs_dir.string() + "' --input '" +
                        raw.string() + "' --count " + std::to_string(c.images) + " --size " +
                        std::to_string(c.size) + " --out '" + out.string() + "' --features " +
                        (*meta)["feature_layer"].get<std::string>() + " 2>'" +
                        (work.path() / "node.log").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0) << command << "\n"
                                             << read_file(work.path() / "node.log").value_or("");
  auto reference = nlohmann::json::parse(*read_file(out));
  ASSERT_EQ(reference["backend"], "cpu");

  auto module = torch::jit::load((work.path() / (c.model + ".pt")).string());
  torch::NoGradGuard no_grad;
  auto x = images.permute({0, 3, 1, 2}).to(torch::kFloat) / 255.0;  // nsfwjs' input scaling
  auto probabilities = module.run_method("classify", x).toTensor();
  auto features = module.forward({x}).toTensor();
  std::vector<torch::Tensor> rows_p, rows_f;
  for (const auto& row : reference["probabilities"]) {
    rows_p.push_back(torch::tensor(row.get<std::vector<float>>()));
  }
  for (const auto& row : reference["features"]) {
    rows_f.push_back(torch::tensor(row.get<std::vector<float>>()));
  }
  auto tfjs_p = torch::stack(rows_p), tfjs_f = torch::stack(rows_f);
  ASSERT_EQ(tfjs_p.sizes(), probabilities.sizes());
  ASSERT_EQ(tfjs_f.sizes(), features.sizes());
  double p_diff = (probabilities - tfjs_p).abs().max().item<double>();
  double f_diff = (features - tfjs_f).abs().max().item<double>();
  double f_scale = tfjs_f.abs().max().item<double>();
  std::printf(
      "%s: %d images, max |p - p_tfjs| = %.3g, max |f - f_tfjs| = %.3g (features up to "
      "%.3g)\n",
      c.model.c_str(), c.images, p_diff, f_diff, f_scale);
  EXPECT_LE(p_diff, 1e-3);
  EXPECT_LE(f_diff, 1e-3 * std::max(1.0, f_scale));
  EXPECT_TRUE(probabilities.argmax(1).equal(tfjs_p.argmax(1)));
}

// inception_v3 takes ~25 s an image in tfjs' pure-JS backend, hence two images only.
INSTANTIATE_TEST_SUITE_P(Nsfwjs, TfjsConversionTest,
                         ::testing::Values(Case{"mobilenet_v2", 224, 6},
                                           Case{"inception_v3", 299, 2}),
                         [](const auto& param_info) { return param_info.param.model; });

}  // namespace
}  // namespace trainbox::ml
