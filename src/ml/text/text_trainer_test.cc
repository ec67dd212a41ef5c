#include "ml/text/text_trainer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>

#include "ml/bundle/bundle.h"
#include "util/fs.h"

namespace trainbox::ml::text {
namespace {
namespace fsys = std::filesystem;

// Sentences from per-class vocabularies and shared templates; shared filler words and 10 % of
// words drawn from another class keep it from being trivial.
std::vector<std::pair<std::string, std::string>> synthetic_rows(int per_class, uint32_t seed) {
  const std::vector<std::pair<std::string, std::vector<std::string>>> vocab = {
      {"sports", {"match", "goal", "striker", "league", "coach", "referee", "stadium", "penalty"}},
      {"tech", {"laptop", "software", "chip", "server", "update", "battery", "developer", "app"}},
      {"food", {"recipe", "garlic", "oven", "pasta", "dessert", "chef", "spicy", "bakery"}},
      {"weather", {"rain", "storm", "forecast", "sunny", "wind", "snow", "humid", "cloudy"}}};
  const std::vector<std::string> shared = {"today", "really", "new", "great", "the", "big"};
  const std::vector<std::string> templates = {
      "{} {} was {} and {}, {} {} {} {}", "I think the {} is {} {} {} {} {} {} {}",
      "{}, {}; \"{}\" {}! {} {} {} {}", "why {} {} so {} {}? {} {} {} {}"};
  std::mt19937 rng(seed);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  std::vector<std::pair<std::string, std::string>> rows;
  for (int i = 0; i < per_class; ++i) {
    for (size_t c = 0; c < vocab.size(); ++c) {
      auto word = [&] {
        if (rng() % 100 < 30) return pick(shared);
        if (rng() % 100 < 10) return pick(vocab[(c + 1 + rng() % 3) % 4].second);
        return pick(vocab[c].second);
      };
      std::string text = pick(templates);
      for (size_t pos; (pos = text.find("{}")) != std::string::npos;) text.replace(pos, 2, word());
      if (i % 2) text[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(text[0])));
      rows.emplace_back(text + " #" + std::to_string(i), vocab[c].first);
    }
  }
  return rows;
}

std::string csv_quote(const std::string& field) {
  std::string out = "\"";
  for (char c : field) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void write_csv(const fsys::path& path,
               const std::vector<std::pair<std::string, std::string>>& rows) {
  std::ofstream out(path, std::ios::binary);
  out << "text,label\n";
  for (const auto& [text, label] : rows) out << csv_quote(text) << "," << label << "\n";
}

std::string python() { return fsys::exists("/usr/bin/python3") ? "/usr/bin/python3" : "python3"; }

TrainRequest text_request(const fsys::path& dir) {
  TrainRequest request;
  request.kind = TaskKind::kText;
  request.dataset = dir / "data.csv";
  request.work_dir = dir / "work";
  request.bundle_path = dir / "b.zip";
  return request;
}

// One training shared by the tests that only inspect its outputs.
class TrainedText : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new TempDir(fsys::temp_directory_path(), "text_trainer_test");
    write_csv(tmp_->path() / "data.csv", synthetic_rows(80, 1));
    request_.kind = TaskKind::kText;
    request_.dataset = tmp_->path() / "data.csv";
    request_.work_dir = tmp_->path() / "work";
    request_.bundle_path = tmp_->path() / "out" / "bundle.zip";
    TrainHooks hooks;
    hooks.report = [](const TrainProgress& p) { reports_->push_back(p); };
    hooks.dataset_ready = [](const DatasetSummary& s) { *summary_ = s; };
    result_ = new Result<TrainResult>(train_text(request_, hooks));
  }
  static void TearDownTestSuite() {
    delete result_;
    delete tmp_;
  }
  static inline TempDir* tmp_ = nullptr;
  static inline TrainRequest request_;
  static inline Result<TrainResult>* result_ = nullptr;
  static inline std::vector<TrainProgress>* reports_ = new std::vector<TrainProgress>();
  static inline DatasetSummary* summary_ = new DatasetSummary();
};

TEST_F(TrainedText, ReachesHighValidationAccuracyWithFullMetrics) {
  ASSERT_TRUE(*result_) << result_->error().slug << ": " << result_->error().message;
  const auto& metrics = (*result_)->metrics;
  EXPECT_GE(metrics["val_accuracy"].get<double>(), 0.95) << metrics.dump();
  EXPECT_EQ(metrics["per_class"].size(), 4u);
  EXPECT_EQ(metrics["per_class"]["food"]["support"], 16);
  EXPECT_EQ(metrics["confusion_matrix"].size(), 4u);
  // Both candidates and their average ran and were scored; the kept one is the recorded
  // architecture (an ensemble keeps its members too).
  const auto& board = metrics["leaderboard"];
  ASSERT_EQ(board.size(), 3u) << board.dump();
  EXPECT_EQ(board[0]["candidate"], "tfidf_linear");
  EXPECT_EQ(board[1]["candidate"], "embedding");
  EXPECT_EQ(board[2]["candidate"], "ensemble(tfidf_linear+embedding)");
  std::string architecture = metrics["model"]["architecture"];
  int kept = 0;
  for (const auto& row : board) {
    EXPECT_TRUE(row["val_accuracy"].is_number()) << row.dump();
    if (row["kept"].get<bool>()) ++kept;
    if (row["candidate"] == architecture) {
      EXPECT_TRUE(row["kept"].get<bool>());
      EXPECT_DOUBLE_EQ(row["val_accuracy"].get<double>(), metrics["val_accuracy"].get<double>());
    }
  }
  EXPECT_EQ(kept, architecture.rfind("ensemble", 0) == 0 ? 3 : 1) << board.dump();
  // Per-epoch curves exist when the kept model trains by epochs.
  if (metrics["model"]["architecture"] == "embedding") {
    ASSERT_FALSE(metrics["history"].empty());
    for (const char* key : {"epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy"}) {
      EXPECT_TRUE(metrics["history"][0].contains(key)) << key;
    }
  }
  EXPECT_EQ(summary_->classes, (std::vector<std::string>{"food", "sports", "tech", "weather"}));
  EXPECT_EQ(summary_->num_items, 320);
  std::printf("val_accuracy %.4f, train %.2f s, %.0f rows/s, %zu epochs\n",
              metrics["val_accuracy"].get<double>(), metrics["train_seconds"].get<double>(),
              metrics["train_rows_per_second"].get<double>(), metrics["history"].size());
}

TEST_F(TrainedText, ReportsTrainingProgressWithLiveMetrics) {
  ASSERT_TRUE(*result_);
  bool saw_training = false;
  for (const auto& p : *reports_) {
    EXPECT_GE(p.fraction, 0.0);
    EXPECT_LE(p.fraction, 1.0);
    if (p.phase == "training") {
      saw_training = true;
      EXPECT_TRUE(p.live.contains("loss"));
      EXPECT_GE(p.epoch, 1);
    }
  }
  EXPECT_TRUE(saw_training);
  EXPECT_EQ(reports_->back().fraction, 1.0);
}

TEST_F(TrainedText, BundlePredictorAgreesWithTorchScriptAndPython) {
  ASSERT_TRUE(*result_);
  auto dir = unpack_bundle(request_.bundle_path, tmp_->path() / "unpacked");
  ASSERT_TRUE(dir) << dir.error().message;
  auto predictor = load_text_predictor(*dir);
  ASSERT_TRUE(predictor) << predictor.error().message;
  EXPECT_FALSE((*predictor)->predict_images({"x"}, 1));
  std::vector<std::string> texts = {"the striker scored a late penalty goal",
                                    "new laptop battery update for developers",
                                    "Spicy garlic pasta from the oven",
                                    "storm and snow forecast",
                                    "Été — 日本語 😀",
                                    ""};
  auto predictions = (*predictor)->predict_texts(texts, 4);
  ASSERT_TRUE(predictions);
  auto begin = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) ASSERT_TRUE((*predictor)->predict_texts({texts[0]}, 3));
  std::printf(
      "predict latency, one text: %.3f ms\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - begin).count() /
          50);
  EXPECT_EQ((*predictions)[0].label, "sports");
  EXPECT_EQ((*predictions)[1].label, "tech");
  EXPECT_EQ((*predictions)[2].label, "food");
  EXPECT_EQ((*predictions)[3].label, "weather");

  // Python: torch.jit.load(model.pt).predict_texts(texts), probabilities by class name.
  nlohmann::json input = texts;
  ASSERT_TRUE(write_file_atomic(tmp_->path() / "texts.json", input.dump()));
  fsys::path script = tmp_->path() / "predict.py";
  ASSERT_TRUE(write_file_atomic(script, R"PY(
import json, sys, torch
d = sys.argv[1]
model = torch.jit.load(d + "/model.pt")
classes = json.load(open(d + "/classes.json"))
texts = json.load(open(sys.argv[2]))
with torch.no_grad():
    probs = model.predict_texts(texts)
print(json.dumps([{classes[str(i)]: float(p[i]) for i in range(len(classes))} for p in probs]))
)PY"));
  std::string command = python() + " " + script.string() + " " + dir->string() + " " +
                        (tmp_->path() / "texts.json").string() + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string output;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  ASSERT_EQ(pclose(pipe), 0) << command;
  auto from_python = nlohmann::json::parse(output);
  ASSERT_EQ(from_python.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    for (const auto& scored : (*predictions)[i].top) {
      EXPECT_NEAR(from_python[i][scored.label].get<double>(), scored.score, 1e-5) << texts[i];
    }
  }
  std::string readme = *read_file(*dir / "README.md");
  EXPECT_NE(readme.find("predict_texts"), std::string::npos);
  EXPECT_NE(readme.find("torch::jit::load"), std::string::npos);
}

TEST(TextTrainer, StopRequestReturnsCancelled) {
  TempDir tmp(fsys::temp_directory_path(), "text_cancel");
  write_csv(tmp.path() / "data.csv", synthetic_rows(40, 2));
  TrainRequest request = text_request(tmp.path());
  int polls = 0;
  TrainHooks hooks;
  hooks.should_stop = [&] { return ++polls > 5; };
  auto result = train_text(request, hooks);
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code, ErrorCode::kCancelled);
  EXPECT_FALSE(fsys::exists(request.bundle_path));
}

// A stop request in any phase (features, the TF-IDF fits, the embedding epochs, export) ends
// the training with kCancelled within 5 s.
TEST(TextTrainer, AStopRequestEndsTrainingWithinFiveSecondsInEveryPhase) {
  TempDir tmp(fsys::temp_directory_path(), "text_cancel_phases");
  write_csv(tmp.path() / "data.csv", synthetic_rows(400, 4));
  for (double after_s : {0.05, 0.5, 1.5, 3.0}) {
    TrainRequest request = text_request(tmp.path());
    request.options.epochs = 500;
    auto start = std::chrono::steady_clock::now();
    auto since = [&] {
      return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    };
    std::string phase, phase_at_stop;
    TrainHooks hooks;
    hooks.report = [&](const TrainProgress& p) { phase = p.phase; };
    hooks.should_stop = [&] {
      if (since() < after_s) return false;
      if (phase_at_stop.empty()) phase_at_stop = phase;
      return true;
    };
    auto result = train_text(request, hooks);
    double late = since() - after_s;
    if (result) {
      // Finished before the request: nothing to stop.
      EXPECT_LT(since(), after_s + 0.5);
      continue;
    }
    EXPECT_EQ(result.error().code, ErrorCode::kCancelled) << result.error().message;
    EXPECT_LE(late, 5.0) << "stop at " << after_s << " s in phase " << phase_at_stop;
    std::printf("stop at %.2f s (%s): returned %.2f s later\n", after_s, phase_at_stop.c_str(),
                late);
  }
}

TEST(TextTrainer, SameSeedGivesSameHistory) {
  TempDir tmp(fsys::temp_directory_path(), "text_seed");
  write_csv(tmp.path() / "data.csv", synthetic_rows(20, 3));
  TrainRequest request = text_request(tmp.path());
  request.options.epochs = 3;
  request.threads = 1;
  auto first = train_text(request, {});
  auto second = train_text(request, {});
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->metrics["history"].dump(), second->metrics["history"].dump());
  const auto& a = first->metrics["leaderboard"];
  const auto& b = second->metrics["leaderboard"];
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i]["val_accuracy"], b[i]["val_accuracy"]);
    EXPECT_EQ(a[i]["val_loss"], b[i]["val_loss"]);
    EXPECT_EQ(a[i]["kept"], b[i]["kept"]);
  }
}

TEST(TextTrainer, DatasetRefusalComesBackAsError) {
  TempDir tmp(fsys::temp_directory_path(), "text_refuse");
  ASSERT_TRUE(write_file_atomic(tmp.path() / "data.csv", "text,label\na,x\nb,x\nc,x\n"));
  TrainRequest request = text_request(tmp.path());
  auto result = train_text(request, {});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().slug, "need_at_least_2_classes");
}

}  // namespace
}  // namespace trainbox::ml::text
