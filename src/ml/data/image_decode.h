#pragma once
// Decodes encoded image files (JPEG, PNG, WebP, BMP, GIF first frame) to 8-bit RGB. Grayscale,
// palette, CMYK and alpha images become RGB (alpha is composited onto white); JPEG EXIF
// orientation is applied. Dimensions are read from the header and checked against `max_pixels`
// before any pixel is decoded (decompression bombs). Torch-free; safe for concurrent use.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace trainbox::ml::data {

struct RgbImage {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // row-major, 3 bytes per pixel
};

inline constexpr uint64_t kDefaultMaxPixels = 40'000'000;

// "jpeg", "png", "webp", "bmp", "gif" or "" from the magic bytes.
std::string sniff_image_format(std::string_view bytes);

// Fails with kPayloadTooLarge "image_too_large" above max_pixels, kUnsupportedMediaType
// "image_unsupported" for an unknown format and kInvalidArgument "image_corrupt" otherwise.
Result<RgbImage> decode_image(std::string_view bytes, uint64_t max_pixels = kDefaultMaxPixels);

struct ImageSize {
  int64_t width = 0;
  int64_t height = 0;
};

// Width and height from the header alone (no pixel is decoded), or nullopt for an unknown format
// or a header too damaged to tell; decode_image then gives the reason.
std::optional<ImageSize> image_size(std::string_view bytes);

// Applies an EXIF orientation (1..8) in place.
void apply_orientation(RgbImage& image, int orientation);

}  // namespace trainbox::ml::data
