#pragma once
// Test-only helpers (header-only, so they stay out of trainbox_ml): synthetic labelled shape
// images, PNG/JPEG encoders and zip writers for crafted archives.

// clang-format off
#include <cstddef>  // jpeglib.h needs size_t and FILE declared first
#include <cstdio>
#include <jpeglib.h>
// clang-format on
#include <png.h>
#include <zip.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ml/data/image_decode.h"

namespace trainbox::ml::testing {

using Files = std::vector<std::pair<std::string, std::string>>;  // zip name, bytes

inline std::string encode_png(const data::RgbImage& image, bool gray = false) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  png.width = image.width;
  png.height = image.height;
  png.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> pixels = image.pixels;
  if (gray) {
    png.format = PNG_FORMAT_GRAY;
    pixels.resize(static_cast<size_t>(image.width) * image.height);
    for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = image.pixels[3 * i];
  }
  png_alloc_size_t size = 0;
  png_image_write_to_memory(&png, nullptr, &size, 0, pixels.data(), 0, nullptr);
  std::string out(size, '\0');
  png_image_write_to_memory(&png, out.data(), &size, 0, pixels.data(), 0, nullptr);
  out.resize(size);
  return out;
}

inline std::string encode_jpeg(const data::RgbImage& image, int quality = 95) {
  jpeg_compress_struct info;
  jpeg_error_mgr errors;
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = image.width;
  info.image_height = image.height;
  info.input_components = 3;
  info.in_color_space = JCS_RGB;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, quality, TRUE);
  jpeg_start_compress(&info, TRUE);
  while (info.next_scanline < info.image_height) {
    auto* row = const_cast<uint8_t*>(&image.pixels[info.next_scanline * image.width * 3]);
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  std::string out(reinterpret_cast<char*>(buffer), size);
  jpeg_destroy_compress(&info);
  free(buffer);
  return out;
}

// Class 0: disc, 1: square, 2: triangle, 3: horizontal bar; random colour, size and position
// on a random light or dark background with noise.
inline data::RgbImage make_shape(int label, int size, std::mt19937& rng) {
  std::uniform_real_distribution<double> u(0, 1);
  data::RgbImage image{size, size, std::vector<uint8_t>(static_cast<size_t>(size) * size * 3)};
  int bg = static_cast<int>(u(rng) * 80) + (u(rng) < 0.5 ? 0 : 150);
  uint8_t colour[3] = {static_cast<uint8_t>(u(rng) * 255), static_cast<uint8_t>(u(rng) * 255),
                       static_cast<uint8_t>(u(rng) * 255)};
  if (std::abs(colour[0] + colour[1] + colour[2] - 3 * bg) < 150)
    colour[0] ^= 0x80, colour[1] ^= 0x80;
  double r = size * (0.22 + 0.12 * u(rng));
  double cx = size / 2.0 + (u(rng) - 0.5) * size * 0.2,
         cy = size / 2.0 + (u(rng) - 0.5) * size * 0.2;
  std::normal_distribution<double> noise(0, 6);
  for (int y = 0; y < size; ++y) {
    for (int x = 0; x < size; ++x) {
      double dx = x - cx, dy = y - cy;
      bool in = false;
      if (label == 0) in = dx * dx + dy * dy <= r * r;
      if (label == 1) in = std::abs(dx) <= r * 0.85 && std::abs(dy) <= r * 0.85;
      if (label == 2) in = dy <= r * 0.8 && dy >= -r && std::abs(dx) <= (dy + r) * 0.6;
      if (label == 3) in = std::abs(dx) <= r && std::abs(dy) <= r * 0.3;
      for (int c = 0; c < 3; ++c) {
        double v = (in ? colour[c] : bg) + noise(rng);
        image.pixels[(static_cast<size_t>(y) * size + x) * 3 + c] =
            static_cast<uint8_t>(std::clamp(v, 0.0, 255.0));
      }
    }
  }
  return image;
}

inline const std::vector<std::string>& shape_names() {
  static const std::vector<std::string> kNames = {"circle", "square", "triangle", "bar"};
  return kNames;
}

// ImageFolder files: prefix + class/NNN.png|jpg (alternating formats).
inline Files shape_files(int classes, int per_class, int size, const std::string& prefix = "",
                         uint32_t seed = 1) {
  std::mt19937 rng(seed);
  Files files;
  for (int i = 0; i < per_class; ++i) {
    for (int c = 0; c < classes; ++c) {
      auto image = make_shape(c, size, rng);
      bool png = i % 2 == 0;
      std::string name =
          prefix + shape_names()[c] + "/" + std::to_string(i) + (png ? ".png" : ".jpg");
      files.push_back({name, png ? encode_png(image) : encode_jpeg(image)});
    }
  }
  return files;
}

// Writes a zip; `compress` false stores entries uncompressed (for byte patching).
inline void write_zip(const std::filesystem::path& path, const Files& files, bool compress = true) {
  int error = 0;
  zip_t* archive = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &error);
  for (const auto& [name, bytes] : files) {
    zip_source_t* source = zip_source_buffer(archive, bytes.data(), bytes.size(), 0);
    zip_int64_t index =
        zip_file_add(archive, name.c_str(), source, ZIP_FL_OVERWRITE | ZIP_FL_ENC_UTF_8);
    if (!compress) zip_set_file_compression(archive, index, ZIP_CM_STORE, 0);
  }
  zip_close(archive);
}

}  // namespace trainbox::ml::testing
