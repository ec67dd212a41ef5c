// README.md of an image bundle. The snippets are the ones tests run: the Python one through
// Debian's python3-torch, the C++ one as examples/load_bundle.cc.

#include <fmt/format.h>

#include "ml/image/image_norm.h"

namespace trainbox::ml::image {

std::string image_readme(const std::vector<std::string>& classes, const ImageNorm& norm) {
  std::string names;
  for (size_t i = 0; i < classes.size(); ++i) {
    names += fmt::format("{}`{}`", i ? ", " : "", classes[i]);
  }
  return fmt::format(R"MD(# trainbox image classifier

Classes (index order): {names}. Input size {size}x{size}, RGB,
mean {mean0}, {mean1}, {mean2}, std {std0}, {std1}, {std2}.

Files: `model.pt` (TorchScript), `classes.json` (index -> name), `preprocess.json` (the resize
rule), `metrics.json` (validation metrics).

`model.pt` has two entry points:

* `forward(x)`: `x` is a float32 tensor `[N,3,{size},{size}]`, already normalised; returns
  probabilities `[N,C]`.
* `predict_raw(images)`: `images` is a uint8 tensor `[N,H,W,3]` of RGB pixels (any H, W; the
  same for every image of one call). It does the preprocessing itself: largest centred square
  crop, bilinear antialiased resize to {size}x{size}, /255, (x-mean)/std. Returns probabilities.

## Python (PyTorch >= 1.13)

```python
import json
import numpy as np
import torch
from PIL import Image  # any decoder giving RGB uint8 pixels works

model = torch.jit.load("model.pt").eval()
classes = json.load(open("classes.json"))
pixels = torch.from_numpy(np.asarray(Image.open("image.jpg").convert("RGB")).copy())
with torch.no_grad():
    probs = model.predict_raw(pixels.unsqueeze(0))[0]
best = int(probs.argmax())
print(classes[str(best)], float(probs[best]))
```

## C++ (LibTorch)

```cpp
#include <torch/script.h>
// rgb: H*W*3 bytes of RGB pixels from any image decoder.
torch::jit::Module model = torch::jit::load("model.pt");
model.eval();
torch::NoGradGuard no_grad;
auto images = torch::from_blob(rgb.data(), {{1, height, width, 3}}, torch::kUInt8);
auto probs = model.get_method("predict_raw")({{images}}).toTensor()[0];
int64_t best = probs.argmax().item<int64_t>();
// classes.json maps std::to_string(best) to the class name.
```

`examples/load_bundle.cc` in the trainbox sources is a complete program doing this.
)MD",
                     fmt::arg("names", names), fmt::arg("size", norm.size),
                     fmt::arg("mean0", norm.mean[0]), fmt::arg("mean1", norm.mean[1]),
                     fmt::arg("mean2", norm.mean[2]), fmt::arg("std0", norm.std[0]),
                     fmt::arg("std1", norm.std[1]), fmt::arg("std2", norm.std[2]));
}

}  // namespace trainbox::ml::image
