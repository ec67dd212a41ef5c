// With the converted nsfwjs backbones installed, `backbone: auto` trains on the cheapest one
// (mobilenet_v2): a head on its cached features, then fine-tuning kept only if it helps. The
// choice and its reason are in metrics.model, and the exported bundle is what was trained.

#include <gtest/gtest.h>

#include "ml/api.h"
#include "ml/testing/backbone_cache.h"
#include "ml/testing/image_fixtures.h"
#include "util/fs.h"

namespace trainbox::ml {
namespace {
namespace fsys = std::filesystem;

TEST(PretrainedDefaultTest, AutoTrainsAHeadOnTheCheapestInstalledBackbone) {
  TempDir work(fsys::temp_directory_path(), "pretrained-default");
  auto backbones = work.path() / "backbones";
  for (const char* name : {"inception_v3", "mobilenet_v2"}) {
    auto meta = testing::convert_cached_nsfwjs(name, backbones);
    ASSERT_TRUE(meta) << meta.error().message << " (run `make backbones` first)";
  }
  testing::write_zip(work.path() / "shapes.zip", testing::shape_files(3, 24, 64));
  TrainRequest request;
  request.dataset = work.path() / "shapes.zip";
  request.work_dir = work.path() / "work";
  request.bundle_path = work.path() / "bundle.zip";
  request.backbones_dir = backbones;
  request.options.time_budget_s = 30;
  auto result = train(request, {});
  ASSERT_TRUE(result) << result.error().slug << ": " << result.error().message;

  const auto& m = result->metrics;
  const auto& model = m["model"];
  std::string reason = model["reason"];
  std::printf("val_accuracy %.3f; %s\n", m["val_accuracy"].get<double>(), reason.c_str());
  EXPECT_EQ(model["architecture"], "backbone:mobilenet_v2");
  EXPECT_EQ(model["image_size"], 224);
  EXPECT_NE(reason.find("auto: pretrained backbone 'mobilenet_v2', the cheapest of 2"),
            std::string::npos)
      << reason;
  EXPECT_NE(reason.find("head on cached features reached"), std::string::npos) << reason;
  // Well above chance (0.33) from 24 images a class; the features were learnt on photos, not on
  // plain shapes, so this is no place for a high bar (bench/README.md has real icons).
  EXPECT_GE(model["head_val_accuracy"].get<double>(), 0.7);
  EXPECT_GE(m["val_accuracy"].get<double>(), 0.7);
  EXPECT_GT(model["feature_images_per_s"].get<double>(), 0);
  EXPECT_TRUE(fsys::exists(request.bundle_path));
}

}  // namespace
}  // namespace trainbox::ml
