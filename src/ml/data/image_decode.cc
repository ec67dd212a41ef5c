#include "ml/data/image_decode.h"

#include <fmt/format.h>
#include <webp/decode.h>

#include <cstdlib>
#include <cstring>

#include "ml/data/image_decode_internal.h"

namespace trainbox::ml::data {
namespace internal {

Status check_dimensions(int64_t width, int64_t height, uint64_t max_pixels) {
  if (width <= 0 || height <= 0) {
    return fail(ErrorCode::kInvalidArgument, "image_corrupt", "the image has no pixels");
  }
  if (static_cast<uint64_t>(width) * static_cast<uint64_t>(height) > max_pixels) {
    return fail(ErrorCode::kPayloadTooLarge, "image_too_large",
                fmt::format("an image is {}x{} pixels; the limit is {} pixels — resize it first",
                            width, height, max_pixels));
  }
  return {};
}

tl::unexpected<Error> corrupt(std::string_view format, std::string_view detail) {
  return fail(ErrorCode::kInvalidArgument, "image_corrupt",
              fmt::format("unreadable {} image: {}", format, detail));
}

namespace {

uint32_t le32(const uint8_t* p) { return p[0] | p[1] << 8 | p[2] << 16 | uint32_t{p[3]} << 24; }
uint16_t le16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | p[1] << 8); }

}  // namespace

// Uncompressed BMP (1/4/8-bit palette, 24-bit, 32-bit), bottom-up or top-down.
Result<RgbImage> decode_bmp(std::string_view bytes, uint64_t max_pixels) {
  const auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
  if (bytes.size() < 54) return corrupt("BMP", "truncated header");
  uint32_t offset = le32(p + 10), header = le32(p + 14);
  auto width = static_cast<int32_t>(le32(p + 18)), height = static_cast<int32_t>(le32(p + 22));
  int bpp = le16(p + 28);
  uint32_t compression = le32(p + 30), colors = le32(p + 46);
  bool top_down = height < 0;
  int64_t rows = top_down ? -int64_t{height} : height;
  TRAINBOX_TRY(check_dimensions(width, rows, max_pixels));
  bool known = bpp == 1 || bpp == 4 || bpp == 8 || bpp == 24 || bpp == 32;
  if (!known || !(compression == 0 || (compression == 3 && bpp == 32))) {
    return corrupt("BMP", "only uncompressed BMP files are supported");
  }
  if (bpp <= 8 && colors == 0) colors = 1U << bpp;
  size_t palette = 14 + static_cast<size_t>(header);
  size_t stride = ((static_cast<size_t>(bpp) * width + 31) / 32) * 4;
  if (palette + 4ULL * (bpp <= 8 ? colors : 0) > bytes.size() ||
      offset + stride * rows > bytes.size()) {
    return corrupt("BMP", "truncated pixel data");
  }
  RgbImage image{width, static_cast<int>(rows), {}};
  image.pixels.resize(static_cast<size_t>(width) * rows * 3);
  for (int64_t y = 0; y < rows; ++y) {
    const uint8_t* row = p + offset + stride * (top_down ? y : rows - 1 - y);
    uint8_t* out = image.pixels.data() + static_cast<size_t>(y) * width * 3;
    for (int x = 0; x < width; ++x) {
      const uint8_t* bgr;
      if (bpp <= 8) {
        int bit = x * bpp;
        uint32_t index = (row[bit / 8] >> (8 - bpp - bit % 8)) & ((1U << bpp) - 1);
        if (index >= colors) return corrupt("BMP", "palette index out of range");
        bgr = p + palette + 4 * index;
      } else {
        bgr = row + static_cast<size_t>(x) * (bpp / 8);
      }
      out[3 * x] = bgr[2], out[3 * x + 1] = bgr[1], out[3 * x + 2] = bgr[0];
    }
  }
  return image;
}

}  // namespace internal

std::string sniff_image_format(std::string_view b) {
  auto starts = [&](std::string_view magic) { return b.substr(0, magic.size()) == magic; };
  if (starts("\xFF\xD8\xFF")) return "jpeg";
  if (starts("\x89PNG\r\n\x1A\n")) return "png";
  if (starts("RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") return "webp";
  if (starts("GIF87a") || starts("GIF89a")) return "gif";
  if (starts("BM")) return "bmp";
  return "";
}

namespace {

uint32_t be(std::string_view b, size_t at, int width) {
  uint32_t value = 0;
  for (int i = 0; i < width; ++i) value = value << 8 | static_cast<uint8_t>(b[at + i]);
  return value;
}

// The size in the first start-of-frame marker (SOF0..SOF15, not DHT/JPG/DAC).
std::optional<ImageSize> jpeg_size(std::string_view b) {
  for (size_t i = 2; i + 9 <= b.size();) {
    if (static_cast<uint8_t>(b[i]) != 0xFF) return std::nullopt;
    uint8_t marker = static_cast<uint8_t>(b[i + 1]);
    if (marker == 0xFF) {
      ++i;
      continue;
    }
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD8)) {
      i += 2;
      continue;
    }
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC) {
      return ImageSize{be(b, i + 7, 2), be(b, i + 5, 2)};
    }
    uint32_t length = be(b, i + 2, 2);
    if (length < 2) return std::nullopt;
    i += 2 + length;
  }
  return std::nullopt;
}

}  // namespace

std::optional<ImageSize> image_size(std::string_view b) {
  std::string format = sniff_image_format(b);
  if (format == "jpeg") return jpeg_size(b);
  if (format == "png" && b.size() >= 24 && b.substr(12, 4) == "IHDR") {
    return ImageSize{be(b, 16, 4), be(b, 20, 4)};
  }
  if (format == "gif" && b.size() >= 10) {
    return ImageSize{static_cast<uint8_t>(b[6]) | static_cast<uint8_t>(b[7]) << 8,
                     static_cast<uint8_t>(b[8]) | static_cast<uint8_t>(b[9]) << 8};
  }
  if (format == "bmp" && b.size() >= 26) {
    auto le = [&](size_t at) {
      return static_cast<int32_t>(be(b, at + 3, 1) << 24 | be(b, at + 2, 1) << 16 |
                                  be(b, at + 1, 1) << 8 | be(b, at, 1));
    };
    return ImageSize{std::abs(int64_t{le(18)}), std::abs(int64_t{le(22)})};
  }
  int width = 0, height = 0;
  if (format == "webp" &&
      WebPGetInfo(reinterpret_cast<const uint8_t*>(b.data()), b.size(), &width, &height)) {
    return ImageSize{width, height};
  }
  return std::nullopt;
}

Result<RgbImage> decode_image(std::string_view bytes, uint64_t max_pixels) {
  std::string format = sniff_image_format(bytes);
  if (format == "jpeg") return internal::decode_jpeg(bytes, max_pixels);
  if (format == "png") return internal::decode_png(bytes, max_pixels);
  if (format == "webp") return internal::decode_webp(bytes, max_pixels);
  if (format == "gif") return internal::decode_gif(bytes, max_pixels);
  if (format == "bmp") return internal::decode_bmp(bytes, max_pixels);
  return fail(ErrorCode::kUnsupportedMediaType, "image_unsupported",
              "not a JPEG, PNG, WebP, BMP or GIF image");
}

void apply_orientation(RgbImage& image, int orientation) {
  if (orientation < 2 || orientation > 8) return;
  // Orientations 5..8 swap the axes. For each output pixel, find the source pixel.
  bool transpose = orientation >= 5;
  int w = image.width, h = image.height;
  int out_w = transpose ? h : w, out_h = transpose ? w : h;
  std::vector<uint8_t> out(image.pixels.size());
  for (int y = 0; y < out_h; ++y) {
    for (int x = 0; x < out_w; ++x) {
      int sx = 0, sy = 0;
      switch (orientation) {
        case 2:
          sx = w - 1 - x, sy = y;
          break;
        case 3:
          sx = w - 1 - x, sy = h - 1 - y;
          break;
        case 4:
          sx = x, sy = h - 1 - y;
          break;
        case 5:
          sx = y, sy = x;
          break;
        case 6:
          sx = y, sy = h - 1 - x;
          break;
        case 7:
          sx = w - 1 - y, sy = h - 1 - x;
          break;
        default:
          sx = w - 1 - y, sy = x;
          break;  // 8
      }
      std::memcpy(&out[(static_cast<size_t>(y) * out_w + x) * 3],
                  &image.pixels[(static_cast<size_t>(sy) * w + sx) * 3], 3);
    }
  }
  image.pixels = std::move(out);
  image.width = out_w;
  image.height = out_h;
}

}  // namespace trainbox::ml::data
