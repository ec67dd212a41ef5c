// The text model as TorchScript source compiled into a torch::jit::Module, plus the predictor
// that serves a saved one. Tokenising and hashing live in TorchScript (`featurize`) so that the
// exported file needs nothing else; C++ uses the faster twin in text_features.cc, and the export
// check plus text_model_test.cc hold the two to identical ids.
#include "ml/text/text_model.h"

#include <fmt/format.h>

#include <algorithm>

#include "ml/bundle/bundle.h"
#include "ml/text/text_trainer.h"
#include "util/fs.h"

namespace trainbox::ml::text {
namespace {

constexpr uint32_t kFnvOffset = 2166136261u;
constexpr uint32_t kFnvPrime = 16777619u;

// FNV state after the tag byte, so TorchScript starts from a constant.
uint32_t tag_state(uint8_t tag) { return (kFnvOffset ^ tag) * kFnvPrime; }

// Methods of the model. Placeholders: {B} buckets, {W} word n-grams, {C0}/{C1} char n-gram
// range, {H1}/{H2}/{H3} the FNV state after each tag byte. Byte semantics: in TorchScript, len()
// and indexing of str are over UTF-8 bytes, and ord() of one byte is 0..255.
constexpr const char* kTokenizerSource = R"TS(
def fnv(self, h: int, data: List[int], start: int, end: int) -> int:
    for k in range(start, end):
        h = ((h ^ data[k]) * 16777619) & 4294967295
    return h

def tokenize(self, text: str) -> List[List[int]]:
    tokens: List[List[int]] = []
    current: List[int] = []
    for i in range(len(text)):
        o = ord(text[i])
        if o >= 128 or (o >= 48 and o <= 57) or (o >= 97 and o <= 122):
            current.append(o)
        elif o >= 65 and o <= 90:
            current.append(o + 32)
        elif len(current) > 0:
            tokens.append(current)
            current = []
    if len(current) > 0:
        tokens.append(current)
    return tokens

)TS";

constexpr const char* kModelSource = R"TS(
def logits(self, ids: Tensor, offsets: Tensor) -> Tensor:
    pooled = torch.embedding_bag(self.embedding, ids, offsets, False, 1, True, None, False)[0]
    return torch.addmm(self.head_bias, pooled, self.head_weight.t())

def forward(self, ids: Tensor, offsets: Tensor) -> Tensor:
    return torch.softmax(self.logits(ids, offsets), 1)

def featurize(self, text: str) -> List[int]:
    ids: List[int] = []
    tokens = self.tokenize(text)
    for i in range(len(tokens)):
        token = tokens[i]
        ids.append(self.fnv({H1}, token, 0, len(token)) % {B})
        if i > 0 and {W} >= 2:
            previous = tokens[i - 1]
            h = self.fnv({H2}, previous, 0, len(previous))
            h = self.fnv(h, [32], 0, 1)
            ids.append(self.fnv(h, token, 0, len(token)) % {B})
        if {C0} > 0:
            word = [60] + token + [62]
            for n in range({C0}, {C1} + 1):
                for start in range(0, len(word) - n + 1):
                    ids.append(self.fnv({H3}, word, start, start + n) % {B})
    return ids

)TS";

// predict_texts on raw strings, for any text model with `featurize` and `forward`.
constexpr const char* kPredictTextsSource = R"TS(
def predict_texts(self, texts: List[str]) -> Tensor:
    ids: List[int] = []
    offsets: List[int] = []
    for text in texts:
        offsets.append(len(ids))
        ids.extend(self.featurize(text))
    return self.forward(torch.tensor(ids, dtype=4), torch.tensor(offsets, dtype=4))  # 4: int64
)TS";

std::string model_source(const FeatureConfig& config) {
  return std::string(kTokenizerSource) + kPredictTextsSource +
         fmt::format(fmt::runtime(kModelSource), fmt::arg("B", config.buckets),
                     fmt::arg("W", config.word_ngrams), fmt::arg("C0", config.char_min),
                     fmt::arg("C1", config.char_max), fmt::arg("H1", tag_state(1)),
                     fmt::arg("H2", tag_state(2)), fmt::arg("H3", tag_state(3)));
}

class TextPredictor : public Predictor {
 public:
  TextPredictor(torch::jit::Module model, FeatureConfig config, std::vector<std::string> classes)
      : model_(std::move(model)), config_(config), classes_(std::move(classes)) {}

  TaskKind kind() const override { return TaskKind::kText; }
  const std::vector<std::string>& classes() const override { return classes_; }

  Result<std::vector<Prediction>> predict_images(const std::vector<std::string>&, int) override {
    return fail(ErrorCode::kInvalidArgument, "wrong_input_kind",
                "this is a text model; send texts, not images");
  }

  Result<std::vector<Prediction>> predict_texts(const std::vector<std::string>& texts,
                                                int top_k) override {
    if (texts.empty()) return std::vector<Prediction>{};
    try {
      torch::Tensor probs = predict_probabilities(model_, config_, texts);
      return to_predictions(probs, top_k);
    } catch (const std::exception& e) {
      return fail(ErrorCode::kInternal, "predict_failed", e.what());
    }
  }

 private:
  std::vector<Prediction> to_predictions(const torch::Tensor& probs, int top_k) const {
    int64_t k = std::clamp<int64_t>(top_k, 1, static_cast<int64_t>(classes_.size()));
    auto [values, indices] = probs.topk(k, 1);
    auto v = values.accessor<float, 2>();
    auto ix = indices.accessor<int64_t, 2>();
    std::vector<Prediction> predictions(static_cast<size_t>(probs.size(0)));
    for (int64_t row = 0; row < probs.size(0); ++row) {
      auto& p = predictions[static_cast<size_t>(row)];
      for (int64_t j = 0; j < k; ++j) {
        p.top.push_back({classes_[static_cast<size_t>(ix[row][j])], v[row][j]});
      }
      p.label = p.top.front().label;
      p.score = p.top.front().score;
    }
    return predictions;
  }

  torch::jit::Module model_;
  FeatureConfig config_;
  std::vector<std::string> classes_;
};

Result<nlohmann::json> read_json(const std::filesystem::path& path) {
  auto data = read_file(path);
  if (!data) return fail(data.error());
  auto json = nlohmann::json::parse(*data, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return fail(ErrorCode::kInvalidArgument, "bundle_bad_json",
                fmt::format("{} is not valid JSON", path.filename().string()));
  }
  return json;
}

}  // namespace

const char* tokenizer_torchscript() { return kTokenizerSource; }

const char* predict_texts_torchscript() { return kPredictTextsSource; }

torch::jit::Module make_text_model(const FeatureConfig& config,
                                   const std::vector<std::string>& classes, int64_t dim) {
  torch::jit::Module model("TrainboxTextClassifier");
  auto num_classes = static_cast<int64_t>(classes.size());
  double bound = 1.0 / static_cast<double>(dim);
  model.register_parameter("embedding", torch::empty({config.buckets, dim}).uniform_(-bound, bound),
                           false);
  model.register_parameter("head_weight", torch::zeros({num_classes, dim}), false);
  model.register_parameter("head_bias", torch::zeros({num_classes}), false);
  c10::List<std::string> names;
  for (const auto& name : classes) names.push_back(name);
  model.register_attribute("classes", c10::ListType::ofStrings(), names);
  model.define(model_source(config));
  return model;
}

FeatureBatch make_batch(const std::vector<std::vector<int64_t>>& features,
                        const std::vector<size_t>& rows) {
  size_t count = rows.empty() ? features.size() : rows.size();
  auto row_at = [&](size_t i) -> const std::vector<int64_t>& {
    return features[rows.empty() ? i : rows[i]];
  };
  size_t total = 0;
  for (size_t i = 0; i < count; ++i) total += row_at(i).size();
  torch::Tensor ids = torch::empty({static_cast<int64_t>(total)}, torch::kLong);
  torch::Tensor offsets = torch::empty({static_cast<int64_t>(count)}, torch::kLong);
  int64_t* id_data = ids.data_ptr<int64_t>();
  int64_t* offset_data = offsets.data_ptr<int64_t>();
  int64_t position = 0;
  for (size_t i = 0; i < count; ++i) {
    offset_data[i] = position;
    const auto& row = row_at(i);
    std::copy(row.begin(), row.end(), id_data + position);
    position += static_cast<int64_t>(row.size());
  }
  return {ids, offsets};
}

torch::Tensor predict_probabilities(torch::jit::Module& model, const FeatureConfig& config,
                                    const std::vector<std::string>& texts) {
  std::vector<std::vector<int64_t>> features;
  features.reserve(texts.size());
  for (const auto& text : texts) features.push_back(feature_ids(text, config));
  FeatureBatch batch = make_batch(features);
  torch::NoGradGuard no_grad;
  return model.forward({batch.ids, batch.offsets}).toTensor();
}

torch::Tensor predict_texts_in_torchscript(torch::jit::Module& model,
                                           const std::vector<std::string>& texts) {
  c10::List<std::string> list;
  for (const auto& text : texts) list.push_back(text);
  torch::NoGradGuard no_grad;
  return model.get_method("predict_texts")({list}).toTensor();
}

std::vector<int64_t> featurize_in_torchscript(torch::jit::Module& model, const std::string& text) {
  return model.get_method("featurize")({text}).toIntVector();
}

Result<std::unique_ptr<Predictor>> load_text_predictor(const std::filesystem::path& bundle_dir) {
  auto classes_json = read_json(bundle_dir / "classes.json");
  if (!classes_json) return fail(classes_json.error());
  auto classes = classes_from_json(*classes_json);
  if (!classes) return fail(classes.error());
  auto preprocess = read_json(bundle_dir / "preprocess.json");
  if (!preprocess) return fail(preprocess.error());
  auto config = feature_config_from_json(*preprocess);
  if (!config) return fail(config.error());
  try {
    torch::jit::Module model = torch::jit::load((bundle_dir / "model.pt").string());
    model.eval();
    return std::unique_ptr<Predictor>(
        std::make_unique<TextPredictor>(std::move(model), *config, std::move(*classes)));
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, "bundle_bad_model",
                fmt::format("model.pt does not load: {}", e.what()));
  }
}

}  // namespace trainbox::ml::text
