// Loads a trainbox image bundle's model.pt and prints the top class of each image given on the
// command line, the way README.md of the bundle shows.
//   load_bundle_example BUNDLE_DIR IMAGE...
// BUNDLE_DIR is an unzipped bundle (model.pt, classes.json). Prints "IMAGE<TAB>LABEL<TAB>SCORE".

#include <torch/script.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

#include "ml/data/image_decode.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BUNDLE_DIR IMAGE...\n", argv[0]);
    return 2;
  }
  std::string dir = argv[1];
  torch::jit::Module model = torch::jit::load(dir + "/model.pt");
  model.eval();
  std::ifstream classes_file(dir + "/classes.json");
  auto classes = nlohmann::json::parse(classes_file);
  torch::NoGradGuard no_grad;
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto rgb = trainbox::ml::data::decode_image(bytes);  // any decoder giving RGB pixels works
    if (!rgb) {
      std::fprintf(stderr, "%s: %s\n", argv[i], rgb.error().message.c_str());
      return 1;
    }
    auto images =
        torch::from_blob(rgb->pixels.data(), {1, rgb->height, rgb->width, 3}, torch::kUInt8);
    auto probs = model.get_method("predict_raw")({images}).toTensor()[0];
    int64_t best = probs.argmax().item<int64_t>();
    std::printf("%s\t%s\t%.6f\n", argv[i], classes[std::to_string(best)].get<std::string>().c_str(),
                probs[best].item<double>());
  }
  return 0;
}
