#include "storage/s3_xml.h"

#include <charconv>
#include <cstdint>

namespace trainbox::storage {
namespace {

void append_utf8(std::string& out, std::uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | (code >> 6));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | (code >> 12));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code >> 18));
    out += static_cast<char>(0x80 | ((code >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// Decodes the entity `name` (between '&' and ';'); false when it is not one.
bool decode_entity(std::string_view name, std::string& out) {
  static constexpr std::pair<std::string_view, char> kNamed[] = {
      {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
  for (const auto& [entity, c] : kNamed) {
    if (name == entity) {
      out += c;
      return true;
    }
  }
  if (name.size() < 2 || name[0] != '#') return false;
  bool is_hex = name[1] == 'x' || name[1] == 'X';
  std::string_view digits = name.substr(is_hex ? 2 : 1);
  std::uint32_t code = 0;
  auto [end, error] =
      std::from_chars(digits.data(), digits.data() + digits.size(), code, is_hex ? 16 : 10);
  if (error != std::errc() || end != digits.data() + digits.size() || code > 0x10FFFF) {
    return false;
  }
  append_utf8(out, code);
  return true;
}

}  // namespace

std::vector<std::string> xml_texts(std::string_view xml, std::string_view tag) {
  std::vector<std::string> texts;
  std::string open = "<" + std::string(tag) + ">";
  std::string close = "</" + std::string(tag) + ">";
  for (size_t at = xml.find(open); at != xml.npos; at = xml.find(open, at)) {
    size_t start = at + open.size();
    size_t end = xml.find(close, start);
    if (end == xml.npos) break;
    texts.push_back(xml_unescape(xml.substr(start, end - start)));
    at = end + close.size();
  }
  return texts;
}

std::string xml_text(std::string_view xml, std::string_view tag) {
  std::vector<std::string> texts = xml_texts(xml, tag);
  return texts.empty() ? std::string() : texts.front();
}

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string xml_unescape(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    size_t semicolon = text[i] == '&' ? text.find(';', i) : text.npos;
    if (semicolon != text.npos && semicolon - i <= 10 &&
        decode_entity(text.substr(i + 1, semicolon - i - 1), out)) {
      i = semicolon;
    } else {
      out += text[i];
    }
  }
  return out;
}

}  // namespace trainbox::storage
