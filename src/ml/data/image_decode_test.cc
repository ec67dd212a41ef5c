#include "ml/data/image_decode.h"

#include <gtest/gtest.h>
#include <webp/encode.h>

#include "ml/testing/image_fixtures.h"

namespace trainbox::ml::data {
namespace {

RgbImage gradient(int w, int h) {
  RgbImage image{w, h, std::vector<uint8_t>(static_cast<size_t>(w) * h * 3)};
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &image.pixels[(static_cast<size_t>(y) * w + x) * 3];
      p[0] = static_cast<uint8_t>(x * 8), p[1] = static_cast<uint8_t>(y * 8), p[2] = 100;
    }
  }
  return image;
}

const uint8_t* pixel(const RgbImage& image, int x, int y) {
  return &image.pixels[(static_cast<size_t>(y) * image.width + x) * 3];
}

TEST(ImageDecodeTest, PngRoundTripsExactly) {
  auto original = gradient(20, 10);
  auto decoded = decode_image(testing::encode_png(original));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->width, 20);
  EXPECT_EQ(decoded->pixels, original.pixels);
}

TEST(ImageDecodeTest, GrayscalePngBecomesRgb) {
  auto decoded = decode_image(testing::encode_png(gradient(8, 8), /*gray=*/true));
  ASSERT_TRUE(decoded);
  const uint8_t* p = pixel(*decoded, 3, 2);
  EXPECT_EQ(p[0], 24);
  EXPECT_EQ(p[1], 24);
  EXPECT_EQ(p[2], 24);
}

TEST(ImageDecodeTest, JpegDecodesClose) {
  auto original = gradient(16, 16);
  auto decoded = decode_image(testing::encode_jpeg(original, 100));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->height, 16);
  EXPECT_NEAR(pixel(*decoded, 10, 5)[0], 80, 6);
  EXPECT_NEAR(pixel(*decoded, 10, 5)[1], 40, 6);
}

TEST(ImageDecodeTest, CmykJpegBecomesRgb) {
  jpeg_compress_struct info;
  jpeg_error_mgr errors;
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&info, &buffer, &size);
  info.image_width = 8;
  info.image_height = 8;
  info.input_components = 4;
  info.in_color_space = JCS_CMYK;
  jpeg_set_defaults(&info);
  jpeg_set_quality(&info, 100, TRUE);
  jpeg_start_compress(&info, TRUE);
  std::vector<uint8_t> row(8 * 4);
  for (int x = 0; x < 8; ++x) row[4 * x] = 255, row[4 * x + 3] = 255;  // Adobe-inverted red
  while (info.next_scanline < 8) {
    JSAMPROW r = row.data();
    jpeg_write_scanlines(&info, &r, 1);
  }
  jpeg_finish_compress(&info);
  std::string bytes(reinterpret_cast<char*>(buffer), size);
  jpeg_destroy_compress(&info);
  free(buffer);
  auto decoded = decode_image(bytes);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_NEAR(pixel(*decoded, 4, 4)[0], 255, 4);
  EXPECT_NEAR(pixel(*decoded, 4, 4)[1], 0, 4);
}

TEST(ImageDecodeTest, WebpLosslessRoundTrips) {
  auto original = gradient(12, 12);
  uint8_t* out = nullptr;
  size_t size = WebPEncodeLosslessRGB(original.pixels.data(), 12, 12, 36, &out);
  std::string bytes(reinterpret_cast<char*>(out), size);
  WebPFree(out);
  auto decoded = decode_image(bytes);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->pixels, original.pixels);
}

TEST(ImageDecodeTest, GifFirstFrame) {
  // 1x1 GIF, global palette {red, black}, pixel index 0.
  const std::string gif(
      "GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\x00\x00\x00\x00\x00"
      ",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02\x44\x01\x00;",
      35);
  auto decoded = decode_image(gif);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->width, 1);
  EXPECT_EQ(decoded->pixels, (std::vector<uint8_t>{255, 0, 0}));
}

std::string bmp_header(int32_t width, int32_t height) {
  std::string b(54, '\0');
  auto put32 = [&](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>(v >> (8 * i));
  };
  b[0] = 'B', b[1] = 'M';
  put32(10, 54);
  put32(14, 40);
  put32(18, static_cast<uint32_t>(width));
  put32(22, static_cast<uint32_t>(height));
  b[26] = 1, b[28] = 24;
  return b;
}

TEST(ImageDecodeTest, Bmp24BottomUp) {
  std::string bmp = bmp_header(2, 2);
  // Bottom row first, BGR, rows padded to 4 bytes: bottom = blue, green; top = red, white.
  bmp += std::string("\xff\x00\x00\x00\xff\x00\x00\x00", 8);
  bmp += std::string("\x00\x00\xff\xff\xff\xff\x00\x00", 8);
  auto decoded = decode_image(bmp);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->pixels,
            (std::vector<uint8_t>{255, 0, 0, 255, 255, 255, 0, 0, 255, 0, 255, 0}));
}

TEST(ImageDecodeTest, RefusesPixelBombFromHeaderAlone) {
  auto decoded = decode_image(bmp_header(10000, 5000));  // no pixel data at all
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().slug, "image_too_large");
  auto png = decode_image(testing::encode_png(gradient(64, 64)), 1000);
  ASSERT_FALSE(png);
  EXPECT_EQ(png.error().slug, "image_too_large");
  auto jpeg = decode_image(testing::encode_jpeg(gradient(64, 64)), 1000);
  ASSERT_FALSE(jpeg);
  EXPECT_EQ(jpeg.error().slug, "image_too_large");
}

TEST(ImageDecodeTest, CorruptAndUnknownInputs) {
  std::string png = testing::encode_png(gradient(16, 16));
  auto truncated = decode_image(png.substr(0, png.size() / 2));
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().slug, "image_corrupt");
  auto text = decode_image("hello world");
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().slug, "image_unsupported");
}

TEST(ImageDecodeTest, ExifOrientationRotates) {
  // 2x1: left red, right blue. Orientation 6 (rotate 90 CW) gives 1x2: top red, bottom blue.
  RgbImage image{2, 1, {255, 0, 0, 0, 0, 255}};
  apply_orientation(image, 6);
  EXPECT_EQ(image.width, 1);
  EXPECT_EQ(image.height, 2);
  EXPECT_EQ(image.pixels, (std::vector<uint8_t>{255, 0, 0, 0, 0, 255}));
  RgbImage flipped{2, 1, {255, 0, 0, 0, 0, 255}};
  apply_orientation(flipped, 2);
  EXPECT_EQ(flipped.pixels, (std::vector<uint8_t>{0, 0, 255, 255, 0, 0}));
  RgbImage ccw{2, 1, {255, 0, 0, 0, 0, 255}};
  apply_orientation(ccw, 8);
  EXPECT_EQ(ccw.pixels, (std::vector<uint8_t>{0, 0, 255, 255, 0, 0}));
}

}  // namespace
}  // namespace trainbox::ml::data
