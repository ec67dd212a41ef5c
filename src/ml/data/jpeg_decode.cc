// JPEG via libjpeg-turbo with a longjmp error handler (libjpeg's only way to report errors), plus
// EXIF orientation from libexif. CMYK/YCCK files (Adobe, inverted) are converted to RGB here.

// clang-format off
#include <cstddef>  // jpeglib.h needs size_t and FILE declared first
#include <cstdio>
#include <jpeglib.h>
// clang-format on
#include <libexif/exif-data.h>

#include <csetjmp>
#include <cstdio>

#include "ml/data/image_decode_internal.h"

namespace trainbox::ml::data::internal {
namespace {

struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
};

[[noreturn]] void on_error(j_common_ptr info) {
  std::longjmp(reinterpret_cast<ErrorManager*>(info->err)->jump, 1);
}

void on_message(j_common_ptr) {}

int exif_orientation(std::string_view bytes) {
  ExifData* exif = exif_data_new_from_data(reinterpret_cast<const unsigned char*>(bytes.data()),
                                           static_cast<unsigned>(bytes.size()));
  if (exif == nullptr) return 1;
  int orientation = 1;
  ExifEntry* entry = exif_data_get_entry(exif, EXIF_TAG_ORIENTATION);
  if (entry != nullptr && entry->format == EXIF_FORMAT_SHORT) {
    orientation = exif_get_short(entry->data, exif_data_get_byte_order(exif));
  }
  exif_data_unref(exif);
  return orientation;
}

void cmyk_to_rgb(const uint8_t* cmyk, uint8_t* rgb, int width, bool inverted) {
  for (int x = 0; x < width; ++x) {
    int c = cmyk[4 * x], m = cmyk[4 * x + 1], y = cmyk[4 * x + 2], k = cmyk[4 * x + 3];
    if (!inverted) c = 255 - c, m = 255 - m, y = 255 - y, k = 255 - k;
    rgb[3 * x] = static_cast<uint8_t>(c * k / 255);
    rgb[3 * x + 1] = static_cast<uint8_t>(m * k / 255);
    rgb[3 * x + 2] = static_cast<uint8_t>(y * k / 255);
  }
}

// Separate from decode_jpeg so no C++ object with a destructor lives across setjmp.
bool decode_into(jpeg_decompress_struct& info, ErrorManager& errors, std::string_view bytes,
                 uint64_t max_pixels, RgbImage& image, std::vector<uint8_t>& row, bool& too_big) {
  if (setjmp(errors.jump)) return false;
  jpeg_mem_src(&info, reinterpret_cast<const unsigned char*>(bytes.data()),
               static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  if (!check_dimensions(info.image_width, info.image_height, max_pixels)) {
    too_big = true;
    return false;
  }
  bool cmyk = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  info.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
  jpeg_start_decompress(&info);
  image.width = static_cast<int>(info.output_width);
  image.height = static_cast<int>(info.output_height);
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  row.resize(static_cast<size_t>(image.width) * info.output_components);
  while (info.output_scanline < info.output_height) {
    uint8_t* out =
        image.pixels.data() + static_cast<size_t>(info.output_scanline) * image.width * 3;
    JSAMPROW target = cmyk ? row.data() : out;
    jpeg_read_scanlines(&info, &target, 1);
    if (cmyk) cmyk_to_rgb(row.data(), out, image.width, info.saw_Adobe_marker);
  }
  jpeg_finish_decompress(&info);
  return true;
}

}  // namespace

Result<RgbImage> decode_jpeg(std::string_view bytes, uint64_t max_pixels) {
  jpeg_decompress_struct info;
  ErrorManager errors;
  info.err = jpeg_std_error(&errors.base);
  errors.base.error_exit = on_error;
  errors.base.output_message = on_message;
  jpeg_create_decompress(&info);
  RgbImage image;
  std::vector<uint8_t> row;
  bool too_big = false;
  bool ok = decode_into(info, errors, bytes, max_pixels, image, row, too_big);
  int64_t width = info.image_width, height = info.image_height;
  jpeg_destroy_decompress(&info);
  if (too_big) return fail(check_dimensions(width, height, max_pixels).error());
  if (!ok) return corrupt("JPEG", "damaged data");
  apply_orientation(image, exif_orientation(bytes));
  return image;
}

}  // namespace trainbox::ml::data::internal
