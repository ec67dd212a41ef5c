// Serving applies the same resize rule as the exported `predict_raw` method (square_resize uses
// the same ATen kernel), then runs forward on one batch with a frozen, optimised module.
// Concurrency: the module is only read after load; each call uses its own InferenceMode guard.

#include "ml/image/image_predictor.h"

#include <fmt/format.h>
#include <torch/script.h>

#include <fstream>

#include "ml/bundle/bundle.h"
#include "ml/data/image_decode.h"
#include "ml/image/models.h"

namespace trainbox::ml::image {
namespace {

class ImagePredictor : public Predictor {
 public:
  ImagePredictor(torch::jit::Module module, std::vector<std::string> classes, ImageNorm norm)
      : module_(std::move(module)), classes_(std::move(classes)), norm_(norm) {}

  TaskKind kind() const override { return TaskKind::kImage; }
  const std::vector<std::string>& classes() const override { return classes_; }

  Result<std::vector<Prediction>> predict_texts(const std::vector<std::string>&, int) override {
    return fail(ErrorCode::kInvalidArgument, "wrong_input_kind",
                "this is an image model; send image files, not texts");
  }

  Result<std::vector<Prediction>> predict_images(const std::vector<std::string>& files,
                                                 int top_k) override {
    if (files.empty()) return std::vector<Prediction>{};
    try {
      c10::InferenceMode guard;
      std::vector<torch::Tensor> inputs;
      for (size_t i = 0; i < files.size(); ++i) {
        auto image = data::decode_image(files[i]);
        if (!image) {
          Error e = image.error();
          e.message = fmt::format("input {}: {}", i + 1, e.message);
          return fail(e);
        }
        auto hwc =
            torch::from_blob(image->pixels.data(), {image->height, image->width, 3}, torch::kUInt8);
        inputs.push_back(square_resize(hwc, norm_.size));
      }
      auto probs = module_.forward({normalise(torch::stack(inputs), norm_)}).toTensor();
      return to_predictions(probs, top_k);
    } catch (const c10::Error& e) {
      return fail(ErrorCode::kInternal, "predict_failed", e.what_without_backtrace());
    }
  }

 private:
  std::vector<Prediction> to_predictions(const torch::Tensor& probs, int top_k) const {
    int64_t k = std::clamp<int64_t>(top_k, 1, static_cast<int64_t>(classes_.size()));
    auto [scores, indices] = probs.topk(k, 1);
    std::vector<Prediction> out;
    for (int64_t i = 0; i < probs.size(0); ++i) {
      Prediction p;
      for (int64_t j = 0; j < k; ++j) {
        p.top.push_back({classes_[indices[i][j].item<int64_t>()], scores[i][j].item<double>()});
      }
      p.label = p.top[0].label;
      p.score = p.top[0].score;
      out.push_back(std::move(p));
    }
    return out;
  }

  torch::jit::Module module_;
  std::vector<std::string> classes_;
  ImageNorm norm_;
};

Result<nlohmann::json> read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  auto json = nlohmann::json::parse(in, nullptr, false);
  if (json.is_discarded()) {
    return fail(ErrorCode::kInvalidArgument, "bundle_corrupt",
                fmt::format("{} is not valid JSON", path.filename().string()));
  }
  return json;
}

}  // namespace

Result<std::unique_ptr<Predictor>> load_image_predictor(const std::filesystem::path& dir) {
  auto class_map = read_json(dir / "classes.json");
  if (!class_map) return fail(class_map.error());
  auto classes = classes_from_json(*class_map);
  if (!classes) return fail(classes.error());
  auto preprocess = read_json(dir / "preprocess.json");
  if (!preprocess) return fail(preprocess.error());
  try {
    ImageNorm norm;
    norm.size = preprocess->at("size").get<int>();
    norm.mean = preprocess->at("mean").get<std::array<double, 3>>();
    norm.std = preprocess->at("std").get<std::array<double, 3>>();
    auto module = torch::jit::load((dir / "model.pt").string());
    module.eval();
    auto frozen = torch::jit::freeze(module);
    frozen = torch::jit::optimize_for_inference(frozen);
    return std::unique_ptr<Predictor>(
        new ImagePredictor(std::move(frozen), std::move(*classes), norm));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, "bundle_corrupt",
                fmt::format("cannot load the image model: {}", e.what()));
  }
}

}  // namespace trainbox::ml::image
