#include "ml/text/text_readme.h"

#include <fmt/format.h>

namespace trainbox::ml::text {
namespace {

constexpr const char* kTemplate = R"MD(# trainbox text classifier

{description}
Validation accuracy: {accuracy:.4f}. Classes ({count}): {classes}.

| file | content |
|------|---------|
| `model.pt` | TorchScript module (LibTorch / PyTorch 1.13 or newer) |
| `classes.json` | class index -> name, e.g. `{{"0": "{first}"}}` |
| `preprocess.json` | the exact tokenisation and hashing |
| `metrics.json` | validation metrics and training history |

## Methods of `model.pt`

* `predict_texts(texts: List[str]) -> Tensor` — raw strings in, probabilities `[len(texts),
  classes]` out. Tokenising and hashing run inside TorchScript, exactly as at training time.
* `forward(ids: Tensor, offsets: Tensor) -> Tensor` — the lower level: `ids` (int64) are the
  feature ids of all texts concatenated, `offsets` (int64) where each text starts in `ids`
  (EmbeddingBag layout). Returns probabilities. `featurize(text: str) -> List[int]` gives the ids
  of one text.
* attribute `classes: List[str]` — the class names in index order.

Tokenisation (over UTF-8 bytes): ASCII letters are lowercased, other bytes kept; tokens are
maximal runs of ASCII letters/digits and bytes >= 0x80. Per token: the word, the bigram with the
previous token (joined by a space), and the byte n-grams of `<token>`; each hashed with 32-bit
FNV-1a over a tag byte (1 word, 2 bigram, 3 n-gram) followed by the bytes, modulo the buckets.
(`preprocess.json` states the exact rule of this model, including where character n-grams come
from and how ids are weighted.)

## Python

```python
import json
import torch

model = torch.jit.load("model.pt")
classes = json.load(open("classes.json"))
with torch.no_grad():
    probs = model.predict_texts(["some text to classify"])
best = int(probs[0].argmax())
print(classes[str(best)], float(probs[0][best]))
```

## C++ (LibTorch)

```cpp
#include <torch/script.h>

#include <iostream>

int main() {{
  torch::jit::Module model = torch::jit::load("model.pt");
  c10::List<std::string> texts;
  texts.push_back("some text to classify");
  torch::NoGradGuard no_grad;
  at::Tensor probs = model.get_method("predict_texts")({{texts}}).toTensor();
  int64_t best = probs[0].argmax().item<int64_t>();
  std::cout << model.attr("classes").toList().get(best).toStringRef() << " "
            << probs[0][best].item<float>() << "\n";
}}
```

Build with CMake: `find_package(Torch REQUIRED)`, then
`target_link_libraries(app PRIVATE ${{TORCH_LIBRARIES}})`.
)MD";

}  // namespace

std::string text_bundle_readme(const std::vector<std::string>& classes, const FeatureConfig& config,
                               double val_accuracy) {
  constexpr size_t kListed = 20;
  std::vector<std::string> shown(classes.begin(),
                                 classes.begin() + std::min(classes.size(), kListed));
  std::string listed =
      fmt::format("{}{}", fmt::join(shown, ", "), classes.size() > kListed ? ", ..." : "");
  std::string description =
      config.scheme == kTfidfScheme
          ? fmt::format(
                "A TF-IDF linear classifier trained by trainbox: hashed word unigrams and bigrams "
                "and character\n{}-{}-grams of the whole text ({} buckets), weighted by sublinear "
                "tf x idf and L2-normalised,\nthen multinomial logistic regression and softmax "
                "(see preprocess.json for the exact rule).",
                config.char_min, config.char_max, config.buckets)
          : fmt::format(
                "A fastText-style classifier trained by trainbox: hashed word unigrams, word "
                "bigrams and character\n{}-{}-grams, averaged in an embedding bag ({} buckets), "
                "then a linear layer and softmax.",
                config.char_min, config.char_max, config.buckets);
  return fmt::format(fmt::runtime(kTemplate), fmt::arg("description", description),
                     fmt::arg("accuracy", val_accuracy), fmt::arg("count", classes.size()),
                     fmt::arg("classes", listed),
                     fmt::arg("first", classes.empty() ? "" : classes.front()));
}

}  // namespace trainbox::ml::text
