#pragma once
// Per-format decoders behind decode_image (image_decode.cc). Private to ml/data.

#include <string_view>

#include "ml/data/image_decode.h"

namespace trainbox::ml::data::internal {

Result<RgbImage> decode_jpeg(std::string_view bytes, uint64_t max_pixels);
Result<RgbImage> decode_png(std::string_view bytes, uint64_t max_pixels);
Result<RgbImage> decode_webp(std::string_view bytes, uint64_t max_pixels);
Result<RgbImage> decode_gif(std::string_view bytes, uint64_t max_pixels);
Result<RgbImage> decode_bmp(std::string_view bytes, uint64_t max_pixels);

// Shared checks and error values.
Status check_dimensions(int64_t width, int64_t height, uint64_t max_pixels);
tl::unexpected<Error> corrupt(std::string_view format, std::string_view detail);

}  // namespace trainbox::ml::data::internal
