// libFuzzer target: every image decoder (JPEG with EXIF orientation, PNG, WebP, GIF) through
// the one entry point the intake uses, with a pixel limit small enough to refuse huge headers.
#include <cstdint>
#include <string_view>

#include "ml/data/image_decode.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)trainbox::ml::data::sniff_image_format(bytes);
  auto image = trainbox::ml::data::decode_image(bytes, /*max_pixels=*/1 << 22);
  (void)image;  // a refusal is a fine outcome; a crash or a sanitizer report is not
  return 0;
}
