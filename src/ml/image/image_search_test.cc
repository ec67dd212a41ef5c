// The auto model search on generated images: every candidate is on the leaderboard with its
// validation score, the winner is what the bundle holds (parity checked at export, and here
// against predict_raw), an augmentation that hurts validation is dropped, and a small budget
// is kept.

#include "ml/image/image_search.h"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <chrono>
#include <fstream>

#include "ml/image/image_trainer.h"
#include "ml/testing/image_fixtures.h"
#include "util/fs.h"

namespace trainbox::ml::image {
namespace {
namespace fs = std::filesystem;

// Class 0: a bar in the left half, class 1: in the right half. Mirroring swaps the classes.
testing::Files left_right_files(int per_class, int size) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> offset(2, size / 2 - 6);
  testing::Files files;
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < 2; ++c) {
      data::RgbImage image{size, size,
                           std::vector<uint8_t>(static_cast<size_t>(size) * size * 3, 20)};
      int x0 = c == 0 ? offset(rng) : size - offset(rng) - 4;
      int y0 = offset(rng) + size / 4;
      for (int y = y0; y < y0 + size / 4; ++y) {
        for (int x = x0; x < x0 + 4; ++x) {
          for (int k = 0; k < 3; ++k)
            image.pixels[(static_cast<size_t>(y) * size + x) * 3 + k] = 230;
        }
      }
      files.push_back({std::string(c == 0 ? "left/" : "right/") + std::to_string(i) + ".png",
                       testing::encode_png(image)});
    }
  }
  return files;
}

// A request to train the zip `name` in `work`, with its own work folder and bundle path.
TrainRequest request_in(const TempDir& work, const std::string& name) {
  TrainRequest request;
  request.dataset = work.path() / name;
  request.work_dir = work.path() / "work";
  request.bundle_path = work.path() / "bundle.zip";
  return request;
}

TEST(ImageSearchTest, AutoRecordsEveryCandidateAndExportsTheWinner) {
  TempDir work(fs::temp_directory_path(), "image-search");
  testing::write_zip(work.path() / "shapes.zip", testing::shape_files(3, 40, 48));
  TrainRequest request = request_in(work, "shapes.zip");
  request.options.time_budget_s = 60;
  request.options.epochs = 4;
  auto result = train_image(request, {});
  ASSERT_TRUE(result) << result.error().slug << ": " << result.error().message;
  const auto& m = result->metrics;
  const auto& board = m["leaderboard"];
  ASSERT_GE(board.size(), 2U) << board.dump(1);
  std::set<std::string> names;
  int kept = 0;
  std::string kept_single;
  for (const auto& row : board) {
    names.insert(row["candidate"].get<std::string>());
    if (row["kept"].get<bool>()) {
      ++kept;
      if (row["candidate"].get<std::string>().rfind("ensemble", 0) != 0)
        kept_single = row["candidate"];
    }
  }
  EXPECT_TRUE(names.count("kernel_rbf")) << board.dump(1);
  EXPECT_TRUE(names.count("tiny_cnn")) << board.dump(1);
  EXPECT_GE(kept, 1);
  // The architecture recorded is the best entry of the leaderboard.
  std::string architecture = m["model"]["architecture"];
  double best = 0;
  for (const auto& row : board) {
    if (row["val_accuracy"].is_number()) best = std::max(best, row["val_accuracy"].get<double>());
  }
  bool found = false;
  for (const auto& row : board) {
    if (row["candidate"] == architecture) {
      found = true;
      EXPECT_TRUE(row["kept"].get<bool>());
      EXPECT_DOUBLE_EQ(row["val_accuracy"].get<double>(), best);
      EXPECT_DOUBLE_EQ(m["val_accuracy"].get<double>(), best);
    }
  }
  EXPECT_TRUE(found) << architecture;
  EXPECT_GE(m["val_accuracy"].get<double>(), 0.9);

  // The bundle serves like its own predict_raw.
  auto predictor = load_predictor(request.bundle_path, work.path() / "serve");
  ASSERT_TRUE(predictor) << predictor.error().message;
  auto module = torch::jit::load((work.path() / "serve" / "model.pt").string());
  module.eval();
  std::mt19937 rng(7);
  torch::NoGradGuard no_grad;
  for (int i = 0; i < 3; ++i) {
    auto image = testing::make_shape(i, 48, rng);
    auto predictions = (*predictor)->predict_images({testing::encode_png(image)}, 1);
    ASSERT_TRUE(predictions);
    auto raw = torch::from_blob(image.pixels.data(), {1, 48, 48, 3}, torch::kUInt8);
    auto probs = module.get_method("predict_raw")({raw}).toTensor()[0];
    EXPECT_EQ((*predictions)[0].label, testing::shape_names()[probs.argmax().item<int64_t>()]);
    EXPECT_NEAR((*predictions)[0].score, probs.max().item<double>(), 1e-4);
  }
}

TEST(ImageSearchTest, MirroringThatSwapsClassesIsNotKept) {
  TempDir work(fs::temp_directory_path(), "image-search-flip");
  auto zip = work.path() / "left_right.zip";
  testing::write_zip(zip, left_right_files(60, 32));
  TrainRequest request = request_in(work, "left_right.zip");
  request.options.time_budget_s = 120;
  request.options.epochs = 6;
  ReadOptions read;
  read.threads = 2;
  auto ds = read_image_dataset(zip, read, {});
  ASSERT_TRUE(ds) << ds.error().message;
  Split train = take_split(ds->images, ds->labels, ds->is_val, false);
  Split val = take_split(ds->images, ds->labels, ds->is_val, true);
  SearchRequest sr;
  sr.train_request = &request;
  sr.read = read;
  sr.read.size = ds->size;
  sr.deadline = std::chrono::steady_clock::now() + std::chrono::seconds(100);
  sr.only = {"tiny_cnn", "tiny_cnn+flip"};
  auto outcome = search_image_models(*ds, train, val, sr, {});
  ASSERT_TRUE(outcome) << outcome.error().message;
  auto board = outcome->board.to_json();
  ASSERT_EQ(board.size(), 2U) << board.dump(1);
  EXPECT_EQ(board[0]["candidate"], "tiny_cnn");
  EXPECT_EQ(board[1]["candidate"], "tiny_cnn+flip");
  std::printf("%s\n", board.dump(1).c_str());
  ASSERT_TRUE(board[1]["val_accuracy"].is_number()) << board.dump(1);
  EXPECT_GT(board[0]["val_accuracy"].get<double>(), board[1]["val_accuracy"].get<double>());
  EXPECT_TRUE(board[0]["kept"].get<bool>());
  EXPECT_FALSE(board[1]["kept"].get<bool>());
  EXPECT_EQ(outcome->architecture, "tiny_cnn");
}

TEST(ImageSearchTest, ATwentySecondBudgetEndsWithinTwentyTwoSeconds) {
  TempDir work(fs::temp_directory_path(), "image-search-budget");
  testing::write_zip(work.path() / "shapes.zip", testing::shape_files(4, 150, 64));
  TrainRequest request = request_in(work, "shapes.zip");
  request.options.time_budget_s = 20;
  request.options.epochs = 500;  // far more than fits: the budget must stop it
  auto start = std::chrono::steady_clock::now();
  auto result = train_image(request, {});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(result) << result.error().message;
  std::printf("%.1f s; %s\n", seconds, result->metrics["leaderboard"].dump().c_str());
  EXPECT_LE(seconds, 22.0);
  EXPECT_TRUE(fs::exists(request.bundle_path));
}

// A stop request in any phase of the search (reading, kernel, network, ensembles, export) ends
// the training with kCancelled within 5 s: requests at several moments of an auto run.
TEST(ImageSearchTest, AStopRequestEndsTheSearchWithinFiveSecondsInEveryPhase) {
  TempDir work(fs::temp_directory_path(), "image-search-cancel");
  testing::write_zip(work.path() / "shapes.zip", testing::shape_files(4, 150, 64));
  for (double after_s : {0.05, 0.5, 1.5, 3.0, 5.0}) {
    TrainRequest request = request_in(work, "shapes.zip");
    request.options.epochs = 500;
    request.options.time_budget_s = 600;
    auto start = std::chrono::steady_clock::now();
    auto since = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    std::string phase_at_stop;
    TrainHooks hooks;
    std::string phase;
    hooks.report = [&](const TrainProgress& p) { phase = p.phase; };
    hooks.should_stop = [&] {
      if (since() < after_s) return false;
      if (phase_at_stop.empty()) phase_at_stop = phase.empty() ? "start" : phase;
      return true;
    };
    auto result = train_image(request, hooks);
    double late = since() - after_s;
    if (result) {
      // The search ended (99% on validation) before the request: nothing was left to stop.
      EXPECT_LT(since(), after_s + 0.5) << "stop at " << after_s << " s was ignored";
      fs::remove(request.bundle_path);
      continue;
    }
    EXPECT_EQ(result.error().code, ErrorCode::kCancelled) << result.error().message;
    EXPECT_LE(late, 5.0) << "stop requested at " << after_s << " s in phase " << phase_at_stop;
    std::printf("stop at %.1f s (%s): returned %.2f s later\n", after_s, phase_at_stop.c_str(),
                late);
    EXPECT_FALSE(fs::exists(request.bundle_path));
  }
}

}  // namespace
}  // namespace trainbox::ml::image
