// With the converted nsfwjs backbones installed, the search's "head:mobilenet_v2" candidate (a
// head on features cached by the real converted network) trains, is scored on the leaderboard
// and is what the bundle holds.

#include <gtest/gtest.h>

#include "ml/api.h"
#include "ml/testing/backbone_cache.h"
#include "ml/testing/image_fixtures.h"
#include "util/fs.h"

namespace trainbox::ml {
namespace {
namespace fsys = std::filesystem;

TEST(PretrainedDefaultTest, HeadOnTheConvertedMobilenetTrainsAndIsExported) {
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
  // By name: on plain shapes auto's first candidates are already perfect and stop the search.
  request.options.backbone = "head:mobilenet_v2";
  auto result = train(request, {});
  ASSERT_TRUE(result) << result.error().slug << ": " << result.error().message;

  const auto& m = result->metrics;
  std::printf("val_accuracy %.3f; %s\n", m["val_accuracy"].get<double>(),
              m["leaderboard"].dump().c_str());
  // The search tried a head on the cheapest backbone and recorded its score.
  const nlohmann::json* head = nullptr;
  for (const auto& row : m["leaderboard"]) {
    if (row["candidate"] == "head:mobilenet_v2") head = &row;
  }
  ASSERT_NE(head, nullptr) << m["leaderboard"].dump();
  ASSERT_TRUE((*head)["val_accuracy"].is_number()) << head->dump();
  // Well above chance (0.33) from 24 images a class; the features were learnt on photos, not on
  // plain shapes, so this is no place for a high bar (bench/README.md has real icons).
  EXPECT_GE((*head)["val_accuracy"].get<double>(), 0.7);
  EXPECT_EQ((*head)["details"]["image_size"], 224);
  EXPECT_GT((*head)["details"]["feature_images_per_s"].get<double>(), 0);
  EXPECT_TRUE((*head)["kept"].get<bool>());
  EXPECT_EQ(m["model"]["architecture"], "head:mobilenet_v2");
  EXPECT_EQ(m["model"]["image_size"], 224);
  EXPECT_TRUE(fsys::exists(request.bundle_path));
}

}  // namespace
}  // namespace trainbox::ml
