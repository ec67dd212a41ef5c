#include "util/utf8.h"

namespace trainbox {
namespace {

constexpr size_t kMaxLabelBytes = 255;

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c < 0xA0); }

// Marks and overrides that change how the text around them is displayed.
bool is_bidi_control(char32_t c) {
  return c == 0x200E || c == 0x200F || c == 0x061C || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  if (b < 0x80) return 1;
  size_t len = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 ? 2 : 0;
  if (len == 0 || b > 0xF4 || i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  unsigned char b1 = byte(i + 1);
  if (b == 0xE0 && b1 < 0xA0) return 0;   // overlong
  if (b == 0xED && b1 >= 0xA0) return 0;  // surrogate
  if (b == 0xF0 && b1 < 0x90) return 0;   // overlong
  if (b == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
  return len;
}

int64_t utf8_length(std::string_view s) {
  int64_t count = 0;
  for (size_t i = 0; i < s.size(); ++count) {
    size_t len = utf8_sequence_length(s, i);
    if (len == 0) return -1;
    i += len;
  }
  return count;
}

char32_t utf8_code_point(std::string_view s, size_t i, size_t len) {
  static constexpr unsigned char kLeadMask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  char32_t c = static_cast<unsigned char>(s[i]) & kLeadMask[len];
  for (size_t k = 1; k < len; ++k) c = (c << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  return c;
}

std::string label_problem(std::string_view label) {
  if (label.empty()) return "it is empty";
  if (label.size() > kMaxLabelBytes) return "it is longer than 255 bytes";
  for (size_t i = 0; i < label.size();) {
    size_t len = utf8_sequence_length(label, i);
    if (len == 0) return "it is not valid UTF-8";
    char32_t c = utf8_code_point(label, i, len);
    if (is_control(c)) return "it holds a control character";
    if (is_bidi_control(c)) return "it holds a bidirectional text control (such as U+202E)";
    i += len;
  }
  return "";
}

std::string printable_label(std::string_view text, size_t max_bytes) {
  std::string out;
  for (size_t i = 0; i < text.size() && out.size() < max_bytes;) {
    size_t len = utf8_sequence_length(text, i);
    char32_t c = len == 0 ? 0 : utf8_code_point(text, i, len);
    if (len == 0 || is_control(c) || is_bidi_control(c)) {
      out += '?';
      i += len == 0 ? 1 : len;
      continue;
    }
    out.append(text.substr(i, len));
    i += len;
  }
  if (out.size() >= max_bytes) out += "...";
  return out;
}

}  // namespace trainbox
