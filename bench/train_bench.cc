// Image training benchmark on any ImageFolder zip (or a generated 10-class set):
// time to first usable model, total time, training images/s, validation accuracy, predict latency
// (one image, in-process and over HTTP, side by side) and peak RSS.
//
//   build/bench/train_bench [DATASET.zip|DATASET.csv] [--kind image|text] [--options JSON]
//                           [--requests N]
// Without a dataset it generates 10 classes x 60 images of 64 px (bench/gratings.h), or with
// --kind text 8 topics x 250 sentences (bench/sentences.h).

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "bench/gratings.h"
#include "bench/sentences.h"
#include "ml/api.h"
#include "tests/support/server_process.h"
#include "util/fs.h"

namespace {
namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Latency {
  double p50, p99;
};

Latency summarize(std::vector<double> millis) {
  std::sort(millis.begin(), millis.end());
  return {millis[millis.size() / 2], millis[std::min(millis.size() - 1, millis.size() * 99 / 100)]};
}

template <class F>
Latency time_calls(int n, F&& call) {
  std::vector<double> millis;
  for (int i = 0; i < n; ++i) {
    auto start = Clock::now();
    call();
    millis.push_back(seconds_since(start) * 1000);
  }
  return summarize(millis);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataset, kind = "image", options_text = R"({"time_budget_s": 120})";
  int requests = 200;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--options") && i + 1 < argc)
      options_text = argv[++i];
    else if (!std::strcmp(argv[i], "--kind") && i + 1 < argc)
      kind = argv[++i];
    else if (!std::strcmp(argv[i], "--requests") && i + 1 < argc)
      requests = std::atoi(argv[++i]);
    else
      dataset = argv[i];
  }
  trainbox::TempDir scratch(fsys::temp_directory_path(), "train-bench");
  if (dataset.ends_with(".csv")) kind = "text";
  bool text = kind == "text";
  if (dataset.empty() && text) {
    dataset = (scratch.path() / "topics8.csv").string();
    (void)trainbox::write_file_atomic(dataset, trainbox::bench::sentences_csv(8, 250));
  } else if (dataset.empty()) {
    dataset = (scratch.path() / "gratings10.zip").string();
    trainbox::ml::testing::write_zip(dataset, trainbox::bench::grating_files(10, 60, 64));
  }
  auto options = trainbox::ml::parse_train_options(nlohmann::json::parse(options_text));
  if (!options) {
    std::fprintf(stderr, "%s\n", options.error().message.c_str());
    return 2;
  }
  trainbox::ml::TrainRequest request;
  request.kind = text ? trainbox::ml::TaskKind::kText : trainbox::ml::TaskKind::kImage;
  request.dataset = dataset;
  request.options = *options;
  request.work_dir = scratch.path() / "work";
  request.bundle_path = scratch.path() / "bundle.zip";
  fsys::create_directories(request.work_dir);

  auto start = Clock::now();
  double first_model_s = -1;  // the first epoch has finished: a usable model exists
  double train_start_s = -1, train_end_s = -1;  // first and last report while training
  int items = 0;
  trainbox::ml::TrainHooks hooks;
  hooks.dataset_ready = [&](const trainbox::ml::DatasetSummary& s) { items = s.num_items; };
  hooks.report = [&](const trainbox::ml::TrainProgress& p) {
    double now = seconds_since(start);
    bool training = p.phase == "training" || p.phase == "fine_tuning" || p.phase == "head";
    if (training && train_start_s < 0) train_start_s = now;
    if (training) train_end_s = now;
    if (first_model_s < 0 && (p.epoch >= 2 || (train_start_s >= 0 && !training)))
      first_model_s = now;
  };
  auto result = trainbox::ml::train(request, hooks);
  double total_s = seconds_since(start);
  if (!result) {
    std::fprintf(stderr, "training failed: %s\n", result.error().message.c_str());
    return 1;
  }
  const auto& history = result->metrics["history"];
  int epochs = static_cast<int>(history.size());
  double train_seconds = train_end_s > train_start_s ? train_end_s - train_start_s : 0;
  double train_items = items * (1 - options->val_fraction) * epochs;

  auto predictor = trainbox::ml::load_predictor(request.bundle_path, scratch.path() / "unpacked");
  if (!predictor) return 1;
  std::string image = [&] {
    std::mt19937 rng(7);
    return trainbox::ml::testing::encode_jpeg(trainbox::bench::make_grating(3, 10, 64, rng), 90);
  }();
  const std::string sentence = "the striker scored a late penalty in the league match";
  auto predict_one = [&] {
    if (text) {
      (void)(*predictor)->predict_texts({sentence}, 3);
    } else {
      (void)(*predictor)->predict_images({image}, 3);
    }
  };
  auto in_process = time_calls(requests, predict_one);

  trainbox::testing::ServerProcess server(scratch.path() / "server");
  Latency over_http{0, 0};
  if (server.start()) {
    auto client = server.client();
    auto created = trainbox::testing::create_task(*client, text ? "data.csv" : "data.zip",
                                                  trainbox::read_file(dataset).value(),
                                                  {{"options", options_text}});
    std::string id = nlohmann::json::parse(created->body)["id"];
    trainbox::testing::wait_for_task(*client, id, trainbox::testing::is_terminal_status,
                                     std::chrono::seconds(900));
    httplib::MultipartFormDataItems files = {{"file", image, "x.jpg", "image/jpeg"}};
    std::string body = nlohmann::json({{"texts", {sentence}}}).dump();
    std::string path = "/api/v1/tasks/" + id + "/predict";
    auto predict_http = [&] {
      auto res = text ? client->Post(path, body, "application/json") : client->Post(path, files);
      if (!res || res->status != 200) std::fprintf(stderr, "HTTP predict failed\n");
    };
    predict_http();  // loads the model once
    over_http = time_calls(requests, predict_http);
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("dataset                 %s (%d %s, %zu classes)\n", dataset.c_str(), items,
              text ? "rows" : "images", result->dataset.classes.size());
  std::printf("time to first model     %.1f s\n", first_model_s);
  std::printf("total time              %.1f s (%d epochs)\n", total_s, epochs);
  std::printf("training %s/s         %.0f\n", text ? "rows  " : "images",
              train_seconds > 0 ? train_items / train_seconds : train_items / total_s);
  std::printf("val accuracy            %.4f\n", result->metrics.value("val_accuracy", 0.0));
  std::printf("predict in-process      p50 %.2f ms  p99 %.2f ms\n", in_process.p50, in_process.p99);
  std::printf("predict over HTTP       p50 %.2f ms  p99 %.2f ms  (ratio p50 %.2fx)\n",
              over_http.p50, over_http.p99,
              in_process.p50 > 0 ? over_http.p50 / in_process.p50 : 0);
  std::printf("peak RSS (this process) %.0f MB\n", usage.ru_maxrss / 1024.0);
  return 0;
}
