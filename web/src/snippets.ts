// Code that loads a downloaded bundle, shown next to the download button.
import type { Task } from "./api";

export interface Snippets {
  python: string;
  cpp: string;
}

export function snippets(task: Task): Snippets {
  const zip = `trainbox-${task.id}.zip`;
  return task.kind === "text" ? textSnippets(zip) : imageSnippets(zip);
}

function textSnippets(zip: string): Snippets {
  return {
    python: `import json, zipfile, torch

zipfile.ZipFile("${zip}").extractall("model")
model = torch.jit.load("model/model.pt")
classes = json.load(open("model/classes.json"))   # {"0": "label", ...}

probs = model.predict_texts(["an example text"])   # float [N, C]
best = int(probs[0].argmax())
print(classes[str(best)], float(probs[0, best]))`,
    cpp: `// unzip ${zip} into model/ first
#include <torch/script.h>
#include <iostream>

int main() {
  torch::jit::Module model = torch::jit::load("model/model.pt");
  c10::List<std::string> texts({"an example text"});
  torch::Tensor probs = model.get_method("predict_texts")({texts}).toTensor();  // [N, C]
  int64_t best = probs[0].argmax().item<int64_t>();
  std::cout << best << " " << probs[0][best].item<float>() << "\\n";  // index into classes.json
}`,
  };
}

function imageSnippets(zip: string): Snippets {
  return {
    python: `import json, zipfile
import numpy as np, torch
from PIL import Image

zipfile.ZipFile("${zip}").extractall("model")
model = torch.jit.load("model/model.pt")
classes = json.load(open("model/classes.json"))   # {"0": "cat", "1": "dog", ...}

# predict_raw takes uint8 [N, H, W, 3] RGB of any size: it crops, resizes and normalises.
image = np.asarray(Image.open("photo.jpg").convert("RGB"))
probs = model.predict_raw(torch.from_numpy(image).unsqueeze(0))   # float [N, C]
best = int(probs[0].argmax())
print(classes[str(best)], float(probs[0, best]))

# forward takes already normalised float [N, 3, H, W] (see preprocess.json).`,
    cpp: `// unzip ${zip} into model/ first
#include <torch/script.h>
#include <iostream>

int main() {
  torch::jit::Module model = torch::jit::load("model/model.pt");
  // rgb: H*W*3 uint8 pixels, decoded with any image library
  std::vector<uint8_t> rgb(480 * 640 * 3, 128);
  torch::Tensor image = torch::from_blob(rgb.data(), {1, 480, 640, 3}, torch::kUInt8);
  torch::Tensor probs = model.get_method("predict_raw")({image}).toTensor();  // [N, C]
  int64_t best = probs[0].argmax().item<int64_t>();
  std::cout << best << " " << probs[0][best].item<float>() << "\\n";  // index into classes.json
}`,
  };
}
