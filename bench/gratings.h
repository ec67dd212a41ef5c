#pragma once
// A generated N-class image set for benchmarks: class c is a sine grating at orientation
// c * 180/N degrees, with random frequency, phase, colours and noise. Learnable, not trivial.

#include <cmath>
#include <random>
#include <string>

#include "ml/testing/image_fixtures.h"

namespace trainbox::bench {

inline ml::data::RgbImage make_grating(int label, int classes, int size, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  ml::data::RgbImage image{size, size, std::vector<uint8_t>(static_cast<size_t>(size) * size * 3)};
  double angle = M_PI * (label + 0.3 * (u(rng) - 0.5)) / classes;
  double frequency = (2.0 + 4.0 * u(rng)) * 2 * M_PI / size;
  double phase = 2 * M_PI * u(rng);
  double a[3], b[3];
  for (int k = 0; k < 3; ++k) {
    a[k] = 255 * u(rng);
    b[k] = 255 * u(rng);
  }
  std::normal_distribution<double> noise(0, 12);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      double t =
          0.5 + 0.5 * std::sin(frequency * (x * std::cos(angle) + y * std::sin(angle)) + phase);
      for (int k = 0; k < 3; ++k) {
        double value = a[k] * t + b[k] * (1 - t) + noise(rng);
        image.pixels[(static_cast<size_t>(y) * size + x) * 3 + k] =
            static_cast<uint8_t>(std::clamp(value, 0.0, 255.0));
      }
    }
  }
  return image;
}

inline ml::testing::Files grating_files(int classes, int per_class, int size, uint32_t seed = 1) {
  std::mt19937 rng(seed);
  ml::testing::Files files;
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < classes; ++c) {
      auto image = make_grating(c, classes, size, rng);
      files.push_back(
          {"angle" + std::to_string(c * 180 / classes) + "/" + std::to_string(i) + ".jpg",
           ml::testing::encode_jpeg(image, 90)});
    }
  }
  return files;
}

}  // namespace trainbox::bench
