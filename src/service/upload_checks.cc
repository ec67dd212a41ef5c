// The zip checks. The end of central directory record and the directory itself are parsed here
// only for what libzip does not check on open (truncation, overlapping entries); names, links,
// encryption and sizes go through SafeZip::open, the worker's own reader, and classes through
// plan_image_folder. The CSV checks are in upload_checks_csv.cc.
#include "service/upload_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <optional>
#include <unordered_map>

#include "ml/data/image_decode.h"
#include "ml/data/image_folder.h"
#include "ml/data/safe_zip.h"
#include "util/utf8.h"

namespace trainbox::service {
namespace fsys = std::filesystem;
namespace {

constexpr uint32_t kEocdSignature = 0x06054b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kZip64EocdSignature = 0x06064b50;
constexpr uint32_t kCentralSignature = 0x02014b50;
constexpr size_t kEocdSize = 22, kCentralSize = 46, kLocalSize = 30;
constexpr uint32_t kMax32 = 0xFFFFFFFF;

uint64_t le(std::string_view bytes, size_t at, int width) {
  uint64_t value = 0;
  for (int i = width - 1; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[at + static_cast<size_t>(i)]);
  }
  return value;
}

tl::unexpected<Error> invalid(std::string message) {
  return fail(ErrorCode::kInvalidArgument, "archive_invalid", std::move(message));
}

std::optional<std::string> read_at(std::ifstream& in, uint64_t offset, uint64_t size) {
  std::string bytes(size, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) return std::nullopt;
  return bytes;
}

struct Directory {
  uint64_t offset = 0, size = 0, entries = 0;
  uint64_t end = 0;  // where the end records start: the directory must end before
};

Result<Directory> zip64_directory(std::ifstream& in, uint64_t eocd_at) {
  auto locator = eocd_at >= 20 ? read_at(in, eocd_at - 20, 20) : std::nullopt;
  if (!locator || le(*locator, 0, 4) != kZip64LocatorSignature) {
    return invalid("the zip announces zip64 sizes but has no zip64 directory record");
  }
  uint64_t record_at = le(*locator, 8, 8);
  auto record = record_at < eocd_at ? read_at(in, record_at, 56) : std::nullopt;
  if (!record || le(*record, 0, 4) != kZip64EocdSignature) {
    return invalid("the zip's zip64 directory record is missing or damaged");
  }
  return Directory{le(*record, 48, 8), le(*record, 40, 8), le(*record, 32, 8), record_at};
}

Result<Directory> find_directory(std::ifstream& in, uint64_t file_size) {
  auto truncated = [] {
    return invalid("the zip is truncated or damaged: its central directory is missing");
  };
  if (file_size < kEocdSize) return truncated();
  uint64_t tail_size = std::min<uint64_t>(file_size, kEocdSize + 0xFFFF);
  auto tail = read_at(in, file_size - tail_size, tail_size);
  if (!tail) return truncated();
  for (size_t i = tail->size() - kEocdSize + 1; i-- > 0;) {
    if (le(*tail, i, 4) != kEocdSignature) continue;
    uint64_t eocd_at = file_size - tail_size + i;
    Directory dir{le(*tail, i + 16, 4), le(*tail, i + 12, 4), le(*tail, i + 10, 2), eocd_at};
    if (dir.entries == 0xFFFF || dir.size == kMax32 || dir.offset == kMax32) {
      return zip64_directory(in, eocd_at);
    }
    return dir;
  }
  return truncated();
}

// Replaces the 0xFFFFFFFF fields with the zip64 extra field's values, in the order it holds them.
Status apply_zip64(std::string_view extra, const std::string& name,
                   std::array<uint64_t*, 3> fields) {
  for (size_t at = 0; at + 4 <= extra.size();) {
    uint64_t id = le(extra, at, 2), size = le(extra, at + 2, 2);
    if (id == 1) {
      size_t value_at = at + 4;
      for (uint64_t* field : fields) {
        if (*field != kMax32) continue;
        if (value_at + 8 > at + 4 + size || value_at + 8 > extra.size()) break;
        *field = le(extra, value_at, 8);
        value_at += 8;
      }
    }
    at += 4 + size;
  }
  for (uint64_t* field : fields) {
    if (*field == kMax32) {
      return invalid(fmt::format("'{}' announces zip64 sizes without the zip64 fields", name));
    }
  }
  return {};
}

struct Span {
  uint64_t start = 0, end = 0;
  std::string name;
};

Result<std::vector<Span>> entry_spans(std::string_view cd, const Directory& dir) {
  std::vector<Span> spans;
  size_t pos = 0;
  auto damaged = [] { return invalid("the zip's central directory is damaged"); };
  for (uint64_t k = 0; k < dir.entries; ++k) {
    if (pos + kCentralSize > cd.size() || le(cd, pos, 4) != kCentralSignature) return damaged();
    uint64_t compressed = le(cd, pos + 20, 4), size = le(cd, pos + 24, 4);
    size_t name_len = le(cd, pos + 28, 2), extra_len = le(cd, pos + 30, 2);
    size_t record = kCentralSize + name_len + extra_len + le(cd, pos + 32, 2);
    uint64_t offset = le(cd, pos + 42, 4);
    if (pos + record > cd.size()) return damaged();
    std::string name(cd.substr(pos + kCentralSize, name_len));
    TRAINBOX_TRY(apply_zip64(cd.substr(pos + kCentralSize + name_len, extra_len), name,
                             {&size, &compressed, &offset}));
    uint64_t header = kLocalSize + name_len;
    if (offset > dir.offset || compressed > dir.offset - offset ||
        header > dir.offset - offset - compressed) {
      return invalid(fmt::format(
          "'{}' runs past the start of the central directory (a truncated or damaged zip)", name));
    }
    spans.push_back({offset, offset + header + compressed, std::move(name)});
    pos += record;
  }
  return spans;
}

ml::data::ArchiveLimits archive_limits(const ml::DatasetLimits& limits) {
  ml::data::ArchiveLimits out;  // as the image trainer builds them
  out.max_total_bytes = limits.max_archive_bytes;
  out.max_entry_bytes = limits.max_entry_bytes;
  out.max_entries = limits.max_entries;
  out.max_ratio = limits.max_compression_ratio;
  return out;
}

std::string ascii_lower(std::string s) {
  for (char& c : s) c = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  return s;
}

Status check_duplicates(const std::vector<ml::data::ZipEntry>& entries) {
  std::unordered_map<std::string, const std::string*> seen;
  for (const auto& entry : entries) {
    if (entry.is_dir) continue;
    auto [it, inserted] = seen.emplace(ascii_lower(entry.name), &entry.name);
    if (inserted) continue;
    std::string what =
        *it->second == entry.name
            ? fmt::format("the zip holds '{}' twice", entry.name)
            : fmt::format("'{}' and '{}' differ only in case", *it->second, entry.name);
    return fail(ErrorCode::kInvalidArgument, "archive_duplicate_entry",
                what + "; give every file its own name and zip the folder again");
  }
  return {};
}

// Image-named files per leaf folder (empty folders included), to name the classes that fall
// short when plan_image_folder finds too few.
std::map<std::string, int> images_per_folder(const std::vector<ml::data::ZipEntry>& entries) {
  std::map<std::string, int> counts;
  for (const auto& entry : entries) {
    if (ml::data::is_os_junk(entry.name)) continue;
    std::string folder = entry.name.substr(0, entry.name.find_last_of('/', entry.name.size() - 2));
    if (entry.is_dir) folder = entry.name.substr(0, entry.name.size() - 1);
    if (folder == entry.name) continue;  // a file at the top
    counts[folder] += (!entry.is_dir && ml::data::has_image_extension(entry.name)) ? 1 : 0;
  }
  for (auto it = counts.begin(); it != counts.end();) {
    auto child = counts.lower_bound(it->first + "/");
    bool parent = child != counts.end() && child->first.starts_with(it->first + "/");
    it = parent ? counts.erase(it) : std::next(it);
  }
  return counts;
}

Status check_classes(const std::vector<ml::data::ZipEntry>& entries, size_t max_classes) {
  std::vector<std::string> names;
  names.reserve(entries.size());
  for (const auto& entry : entries) names.push_back(entry.name);
  auto plan = ml::data::plan_image_folder(names);
  if (!plan && plan.error().slug != "dataset_too_few_classes") return fail(plan.error());
  std::map<std::string, int> counts;
  if (plan) {
    if (plan->classes.size() > max_classes) {
      return fail(ErrorCode::kInvalidArgument, "too_many_classes",
                  fmt::format("the dataset has {} classes (folders of images); the limit is {}",
                              plan->classes.size(), max_classes));
    }
    for (const auto& name : plan->classes) counts[name] = 0;
    for (const auto& file : plan->files) ++counts[plan->classes[static_cast<size_t>(file.label)]];
  }
  auto usable = std::count_if(counts.begin(), counts.end(), [](auto& c) { return c.second >= 2; });
  std::vector<std::string> short_classes;
  for (const auto& [name, count] : plan&& usable >= 2 ? counts : images_per_folder(entries)) {
    if (count < 2)
      short_classes.push_back(fmt::format("'{}' ({} images)", printable_label(name), count));
  }
  if (usable < 2) {
    return fail(ErrorCode::kInvalidArgument, "need_at_least_2_classes",
                fmt::format("training needs at least 2 class folders with 2 or more images each; "
                            "found {}{}{}",
                            usable, short_classes.empty() ? "" : "; too few images in ",
                            fmt::join(short_classes, ", ")));
  }
  if (!short_classes.empty()) {
    return fail(ErrorCode::kInvalidArgument, "dataset_class_too_small",
                fmt::format("every class needs at least 2 images; too few in {}",
                            fmt::join(short_classes, ", ")));
  }
  return {};
}

}  // namespace

Status check_zip_layout(const fsys::path& zip, uint64_t max_entries) {
  std::error_code ec;
  uint64_t file_size = fsys::file_size(zip, ec);
  std::ifstream in(zip, std::ios::binary);
  if (ec || !in) return invalid("the zip cannot be read");
  auto dir = find_directory(in, file_size);
  if (!dir) return fail(dir.error());
  if (dir->entries > max_entries) {
    return fail(
        ErrorCode::kPayloadTooLarge, "archive_too_many_entries",
        fmt::format("the archive has {} entries; the limit is {}", dir->entries, max_entries));
  }
  if (dir->offset > dir->end || dir->size > dir->end - dir->offset) {
    return invalid("the zip is truncated or damaged: its central directory lies outside the file");
  }
  auto cd = read_at(in, dir->offset, dir->size);
  if (!cd) return invalid("the zip's central directory cannot be read");
  auto spans = entry_spans(*cd, *dir);
  if (!spans) return fail(spans.error());
  std::sort(spans->begin(), spans->end(), [](auto& a, auto& b) { return a.start < b.start; });
  for (size_t i = 1; i < spans->size(); ++i) {
    const Span &before = (*spans)[i - 1], &span = (*spans)[i];
    if (span.start < before.end) {
      return invalid(fmt::format("entries '{}' and '{}' overlap in the file (a zip bomb?)",
                                 before.name, span.name));
    }
  }
  return {};
}

Status check_image_upload(const fsys::path& zip, const IntakeLimits& limits) {
  auto archive = archive_limits(limits.dataset);
  TRAINBOX_TRY(check_zip_layout(zip, archive.max_entries));
  auto reader = ml::data::SafeZip::open(zip, archive);
  if (!reader) return fail(reader.error());
  TRAINBOX_TRY(check_duplicates((*reader)->entries()));
  return check_classes((*reader)->entries(), limits.max_classes);
}

Status check_predict_pixels(const std::vector<std::string>& files, double max_mpixels) {
  auto limit = static_cast<uint64_t>(max_mpixels * 1e6);
  uint64_t total = 0;
  for (const auto& file : files) {
    auto size = ml::data::image_size(file);
    if (!size || size->width <= 0 || size->height <= 0) continue;
    total += static_cast<uint64_t>(size->width) * static_cast<uint64_t>(size->height);
    if (total > limit) {
      return fail(ErrorCode::kPayloadTooLarge, "too_many_pixels",
                  fmt::format("the images of this request hold more than {} megapixels; send "
                              "fewer or smaller images (the limit is {} per request)",
                              max_mpixels, max_mpixels));
    }
  }
  return {};
}

}  // namespace trainbox::service
