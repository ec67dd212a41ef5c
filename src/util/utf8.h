#pragma once
// UTF-8 validation and decoding for untrusted text (CSV cells, zip entry names, labels).

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace trainbox {

// Length of the valid UTF-8 sequence starting at s[i], or 0 when invalid (overlongs, surrogates
// and code points above U+10FFFF are invalid).
size_t utf8_sequence_length(std::string_view s, size_t i);

// Code points in `s`, or -1 when it is not valid UTF-8.
int64_t utf8_length(std::string_view s);

// The code point of the valid sequence of `len` bytes starting at s[i].
char32_t utf8_code_point(std::string_view s, size_t i, size_t len);

// Why `label` cannot name a class, or "" when it can: a label is shown in the page, the class
// map and logs, so it must be valid UTF-8 of at most 255 bytes without control characters or
// bidirectional overrides (U+202E can make "cat<RLO>gnp.exe" read as "catexe.png").
std::string label_problem(std::string_view label);

// `text` with every byte or character that label_problem objects to replaced by '?', cut to
// `max_bytes`: safe to quote in an error message.
std::string printable_label(std::string_view text, size_t max_bytes = 60);

}  // namespace trainbox
