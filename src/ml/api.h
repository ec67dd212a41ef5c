#pragma once
// The one entry point of training and inference. `ml` knows nothing of tasks, HTTP, databases or
// storage: it takes paths, options and two plain callbacks, and returns metrics and a bundle.
// LibTorch headers never appear here, so callers compile fast.

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ml/options.h"
#include "util/result.h"

namespace trainbox::ml {

// Live state of a training, reported at least every 2 seconds.
struct TrainProgress {
  std::string phase;  // "reading", "features", "training", "fine_tuning", "evaluating", "exporting"
  double fraction = 0;  // 0..1 over the whole training
  int epoch = 0;        // 1-based, 0 before the first epoch
  int epochs = 0;       // planned epochs
  double eta_s = -1;    // seconds left; < 0 when unknown
  nlohmann::json live =
      nlohmann::json::object();  // running loss/accuracy, e.g. {"loss":0.3,"accuracy":0.9}
};

// What the dataset reader found; reported as soon as the dataset is read.
struct DatasetSummary {
  int num_items = 0;
  std::vector<std::string> classes;         // index order
  std::map<std::string, int> class_counts;  // by class name
  std::vector<std::string> warnings;        // skipped files, imbalance, duplicates...
};
nlohmann::json to_json(const DatasetSummary& summary);

struct TrainHooks {
  std::function<void(const TrainProgress&)> report = [](const TrainProgress&) {};
  std::function<void(const DatasetSummary&)> dataset_ready = [](const DatasetSummary&) {};
  // Polled often (at least every batch); when it returns true, train() returns kCancelled quickly.
  std::function<bool()> should_stop = [] { return false; };
};

enum class TaskKind { kImage, kText };
const char* task_kind_name(TaskKind kind);  // "image" | "text"

// Refuses (kInvalidArgument "invalid_option") a model name that cannot train this kind: a text
// task takes auto | tfidf_linear | embedding; an image task takes anything else (built-ins,
// head:NAME and backbone names are resolved when training starts).
Status check_model_for_kind(TaskKind kind, const std::string& model);

// Limits on what a dataset may be; an upload beyond one is refused with a reason naming it.
struct DatasetLimits {
  uint64_t max_archive_bytes = 4ULL << 30;  // inflated bytes of all entries together
  uint64_t max_entry_bytes = 256ULL << 20;  // inflated bytes of one entry
  uint64_t max_entries = 200'000;
  double max_compression_ratio = 100;
  uint64_t max_image_pixels = 40'000'000;  // checked from the header, before decoding
};
nlohmann::json to_json(const DatasetLimits& limits);
DatasetLimits dataset_limits_from_json(const nlohmann::json& json);  // missing keys: defaults

struct TrainRequest {
  TaskKind kind = TaskKind::kImage;
  std::filesystem::path dataset;  // .zip or folder (image) or .csv (text)
  TrainOptions options;
  std::filesystem::path
      work_dir;  // scratch space owned by this training; nothing is written elsewhere
  std::filesystem::path bundle_path;    // where the bundle zip is written
  std::filesystem::path backbones_dir;  // may be empty
  int threads = 0;                      // 0 = all cores
  DatasetLimits limits;
};

struct TrainResult {
  DatasetSummary dataset;
  // {"val_accuracy":..., "per_class":{name:{precision,recall,f1,support}},
  //  "confusion_matrix":[[...]], "history":[{"epoch":1,"train_loss":..,"val_loss":..,...}]}
  nlohmann::json metrics;
};

// Trains, evaluates, exports the bundle to request.bundle_path and checks the export against the
// trained model. Dataset problems come back as kInvalidArgument / kPayloadTooLarge /
// kUnsupportedMediaType with a specific slug; a stop request as kCancelled.
Result<TrainResult> train(const TrainRequest& request, const TrainHooks& hooks);

struct ScoredLabel {
  std::string label;
  double score = 0;
};
struct Prediction {
  std::string label;
  double score = 0;
  std::vector<ScoredLabel> top;  // best first, top_k entries
};

// A loaded bundle. Safe for concurrent use: predict may be called from many threads at once.
class Predictor {
 public:
  virtual ~Predictor() = default;
  virtual TaskKind kind() const = 0;
  virtual const std::vector<std::string>& classes() const = 0;
  // Encoded image files (JPEG/PNG/WebP/BMP/GIF bytes), one prediction per input in input order.
  virtual Result<std::vector<Prediction>> predict_images(const std::vector<std::string>& files,
                                                         int top_k) = 0;
  virtual Result<std::vector<Prediction>> predict_texts(const std::vector<std::string>& texts,
                                                        int top_k) = 0;
};

// Loads a bundle zip written by train(); `scratch_dir` receives the unpacked files.
Result<std::unique_ptr<Predictor>> load_predictor(const std::filesystem::path& bundle_zip,
                                                  const std::filesystem::path& scratch_dir);

}  // namespace trainbox::ml
