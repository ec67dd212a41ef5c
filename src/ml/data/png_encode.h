#pragma once
// PNG encoding of small RGB images, for thumbnails in validation.json. Torch-free.

#include <cstdint>
#include <string>

namespace trainbox::ml::data {

// PNG bytes of an RGB image (rows of width*3 bytes); empty on failure.
std::string encode_png_rgb(const uint8_t* pixels, int width, int height);

// "data:image/png;base64,..." of the same.
std::string png_data_uri(const uint8_t* pixels, int width, int height);

}  // namespace trainbox::ml::data
