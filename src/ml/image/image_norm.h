#pragma once
// Input geometry and normalisation of an image model (torch-free).

#include <array>
#include <string>
#include <vector>

namespace trainbox::ml::image {

struct ImageNorm {
  int size = 64;
  std::array<double, 3> mean = {0.485, 0.456, 0.406};
  std::array<double, 3> std = {0.229, 0.224, 0.225};
};

// README.md of an image bundle (readme.cc).
std::string image_readme(const std::vector<std::string>& classes, const ImageNorm& norm);

}  // namespace trainbox::ml::image
