// PNG (libpng simplified API), WebP (libwebp) and GIF (giflib, first frame, read record by record
// so a hostile frame size is checked before its raster is allocated).

#include <gif_lib.h>
#include <png.h>
#include <webp/decode.h>

#include <algorithm>
#include <cstring>
#include <memory>

#include "ml/data/image_decode_internal.h"

namespace trainbox::ml::data::internal {
namespace {

void composite_rgba_on_white(const uint8_t* rgba, size_t pixels, uint8_t* rgb) {
  for (size_t i = 0; i < pixels; ++i) {
    int alpha = rgba[4 * i + 3];
    for (int c = 0; c < 3; ++c) {
      rgb[3 * i + c] = static_cast<uint8_t>((rgba[4 * i + c] * alpha + 255 * (255 - alpha)) / 255);
    }
  }
}

struct GifSource {
  std::string_view bytes;
  size_t pos = 0;
};

int gif_read(GifFileType* gif, GifByteType* out, int size) {
  auto* source = static_cast<GifSource*>(gif->UserData);
  size_t n = std::min(static_cast<size_t>(size), source->bytes.size() - source->pos);
  std::memcpy(out, source->bytes.data() + source->pos, n);
  source->pos += n;
  return static_cast<int>(n);
}

struct GifCloser {
  void operator()(GifFileType* gif) const { DGifCloseFile(gif, nullptr); }
};
using GifPtr = std::unique_ptr<GifFileType, GifCloser>;

// Reads records up to the first image descriptor; returns the transparent colour index or -1.
Result<int> gif_seek_first_frame(GifFileType* gif) {
  int transparent = -1;
  while (true) {
    GifRecordType type;
    if (DGifGetRecordType(gif, &type) == GIF_ERROR) return corrupt("GIF", "damaged records");
    if (type == IMAGE_DESC_RECORD_TYPE) return transparent;
    if (type == TERMINATE_RECORD_TYPE) return corrupt("GIF", "no frames");
    if (type != EXTENSION_RECORD_TYPE) continue;
    int code = 0;
    GifByteType* block = nullptr;
    if (DGifGetExtension(gif, &code, &block) == GIF_ERROR) return corrupt("GIF", "bad extension");
    if (code == GRAPHICS_EXT_FUNC_CODE && block != nullptr && block[0] >= 4 && (block[1] & 1)) {
      transparent = block[4];
    }
    while (block != nullptr) {
      if (DGifGetExtensionNext(gif, &block) == GIF_ERROR) return corrupt("GIF", "bad extension");
    }
  }
}

}  // namespace

Result<RgbImage> decode_png(std::string_view bytes, uint64_t max_pixels) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size())) {
    return corrupt("PNG", png.message);
  }
  Status dims = check_dimensions(png.width, png.height, max_pixels);
  if (!dims) {
    png_image_free(&png);
    return fail(dims.error());
  }
  png.format = PNG_FORMAT_RGBA;
  std::vector<uint8_t> rgba(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, rgba.data(), 0, nullptr)) {
    return corrupt("PNG", png.message);
  }
  RgbImage image{static_cast<int>(png.width), static_cast<int>(png.height), {}};
  image.pixels.resize(static_cast<size_t>(image.width) * image.height * 3);
  composite_rgba_on_white(rgba.data(), static_cast<size_t>(image.width) * image.height,
                          image.pixels.data());
  return image;
}

Result<RgbImage> decode_webp(std::string_view bytes, uint64_t max_pixels) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  int width = 0, height = 0;
  if (!WebPGetInfo(data, bytes.size(), &width, &height)) return corrupt("WebP", "bad header");
  TRAINBOX_TRY(check_dimensions(width, height, max_pixels));
  uint8_t* rgba = WebPDecodeRGBA(data, bytes.size(), &width, &height);
  if (rgba == nullptr) return corrupt("WebP", "damaged data");
  RgbImage image{width, height, {}};
  image.pixels.resize(static_cast<size_t>(width) * height * 3);
  composite_rgba_on_white(rgba, static_cast<size_t>(width) * height, image.pixels.data());
  WebPFree(rgba);
  return image;
}

Result<RgbImage> decode_gif(std::string_view bytes, uint64_t max_pixels) {
  GifSource source{bytes};
  int error = 0;
  GifPtr gif(DGifOpen(&source, gif_read, &error));
  if (!gif) return corrupt("GIF", "bad header");
  TRAINBOX_TRY(check_dimensions(gif->SWidth, gif->SHeight, max_pixels));
  auto transparent = gif_seek_first_frame(gif.get());
  if (!transparent) return fail(transparent.error());
  if (DGifGetImageDesc(gif.get()) == GIF_ERROR) return corrupt("GIF", "bad frame");
  const GifImageDesc& frame = gif->Image;
  TRAINBOX_TRY(check_dimensions(frame.Width, frame.Height, max_pixels));
  const ColorMapObject* colors = frame.ColorMap ? frame.ColorMap : gif->SColorMap;
  if (colors == nullptr) return corrupt("GIF", "no colour table");
  std::vector<GifPixelType> raster(static_cast<size_t>(frame.Width) * frame.Height);
  static constexpr int kStart[] = {0, 4, 2, 1}, kStep[] = {8, 8, 4, 2};
  for (int pass = 0; pass < (frame.Interlace ? 4 : 1); ++pass) {
    for (int y = frame.Interlace ? kStart[pass] : 0; y < frame.Height;
         y += frame.Interlace ? kStep[pass] : 1) {
      if (DGifGetLine(gif.get(), &raster[static_cast<size_t>(y) * frame.Width], frame.Width) ==
          GIF_ERROR) {
        return corrupt("GIF", "damaged frame data");
      }
    }
  }
  RgbImage image{gif->SWidth, gif->SHeight, {}};
  image.pixels.assign(static_cast<size_t>(image.width) * image.height * 3, 255);
  for (int y = 0; y < frame.Height; ++y) {
    for (int x = 0; x < frame.Width; ++x) {
      int cx = frame.Left + x, cy = frame.Top + y;
      int index = raster[static_cast<size_t>(y) * frame.Width + x];
      if (cx >= image.width || cy >= image.height || index == *transparent) continue;
      if (index >= colors->ColorCount) continue;
      const GifColorType& c = colors->Colors[index];
      uint8_t* out = &image.pixels[(static_cast<size_t>(cy) * image.width + cx) * 3];
      out[0] = c.Red, out[1] = c.Green, out[2] = c.Blue;
    }
  }
  return image;
}

}  // namespace trainbox::ml::data::internal
