#pragma once
// A raw zip writer for the API suites: archives libzip would not write (traversal names, links,
// encrypted flags, overlapping or lying entries, declared sizes that are not the data's).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace trainbox::testing {

struct RawEntry {
  std::string name;
  std::string data;
  uint16_t flags = 0;                  // bit 0: encrypted
  uint32_t external = 0100644u << 16;  // unix mode in the high half
  uint16_t method = 0;                 // 0 stored, 8 deflated (the data is then not inflatable)
  std::optional<uint32_t> declared_size =
      std::nullopt;  // the uncompressed size the headers announce
};

inline void put(std::string& out, uint64_t value, int width) {
  for (int i = 0; i < width; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

inline void put_common(std::string& out, const RawEntry& e) {  // version needed .. name length
  put(out, 20, 2);
  put(out, e.flags, 2);
  put(out, e.method, 2);
  put(out, 0, 4);  // time, date
  put(out, 0, 4);  // crc: never read, refused before any inflating
  put(out, e.data.size(), 4);
  put(out, e.declared_size.value_or(static_cast<uint32_t>(e.data.size())), 4);
  put(out, e.name.size(), 2);
}

inline std::string local_record(const RawEntry& e) {
  std::string out;
  put(out, 0x04034b50, 4);
  put_common(out, e);
  put(out, 0, 2);
  return out + e.name + e.data;
}

inline std::string central_record(const RawEntry& e, uint64_t offset) {
  std::string out;
  put(out, 0x02014b50, 4);
  put(out, 0x031E, 2);  // made by unix
  put_common(out, e);
  put(out, 0, 8);  // extra, comment, disk, internal attributes
  put(out, e.external, 4);
  put(out, offset, 4);
  return out + e.name;
}

inline std::string finish_zip(std::string body, const std::vector<std::string>& centrals) {
  uint64_t cd_offset = body.size();
  std::string cd;
  for (const auto& c : centrals) cd += c;
  body += cd;
  put(body, 0x06054b50, 4);
  put(body, 0, 4);
  put(body, centrals.size(), 2);
  put(body, centrals.size(), 2);
  put(body, cd.size(), 4);
  put(body, cd_offset, 4);
  put(body, 0, 2);
  return body;
}

inline std::string raw_zip(const std::vector<RawEntry>& entries) {
  std::string body;
  std::vector<std::string> centrals;
  for (const auto& e : entries) {
    centrals.push_back(central_record(e, body.size()));
    body += local_record(e);
  }
  return finish_zip(body, centrals);
}

inline std::vector<RawEntry> two_classes() {
  return {{"cat/1.png", "x"}, {"cat/2.png", "y"}, {"dog/1.png", "z"}, {"dog/2.png", "w"}};
}

inline std::vector<RawEntry> with(std::vector<RawEntry> entries, RawEntry extra) {
  entries.push_back(std::move(extra));
  return entries;
}

inline size_t files_under(const std::filesystem::path& dir) {
  size_t count = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::end(it); it.increment(ec)) {
    count += it->is_regular_file() ? 1 : 0;
  }
  return count;
}

}  // namespace trainbox::testing
