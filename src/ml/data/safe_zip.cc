#include "ml/data/safe_zip.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <zip.h>

namespace trainbox::ml::data {
namespace {

zip_t* as_zip(void* archive) { return static_cast<zip_t*>(archive); }

tl::unexpected<Error> refuse(std::string slug, std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::move(slug), std::move(message));
}

tl::unexpected<Error> too_large(std::string slug, std::string message) {
  return fail(ErrorCode::kPayloadTooLarge, std::move(slug), std::move(message));
}

bool is_symlink(zip_t* archive, uint64_t index) {
  zip_uint8_t opsys = 0;
  zip_uint32_t attributes = 0;
  if (zip_file_get_external_attributes(archive, index, 0, &opsys, &attributes) != 0) return false;
  if (opsys != ZIP_OPSYS_UNIX) return false;
  return ((attributes >> 16) & S_IFMT) == S_IFLNK;
}

Status check_entry(zip_t* archive, const zip_stat_t& stat) {
  std::string name = stat.name;
  TRAINBOX_TRY(check_entry_name(name));
  if (stat.encryption_method != ZIP_EM_NONE) {
    return refuse("archive_encrypted",
                  fmt::format("'{}' is encrypted; upload a zip without a password", name));
  }
  if (is_symlink(archive, stat.index)) {
    return refuse("archive_symlink",
                  fmt::format("'{}' is a symbolic link; zip the files themselves", name));
  }
  return {};
}

}  // namespace

Status check_entry_name(const std::string& name) {
  auto escape = [&] {
    return refuse("archive_path_traversal",
                  fmt::format("entry '{}' points outside the archive; re-create the zip from the "
                              "dataset folder itself",
                              name));
  };
  if (name.empty() || name[0] == '/' || name[0] == '\\') return escape();
  if (name.size() >= 2 && name[1] == ':') return escape();
  size_t start = 0;
  while (start <= name.size()) {
    size_t end = name.find_first_of("/\\", start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2) return escape();
    start = end + 1;
  }
  return {};
}

SafeZip::SafeZip(void* archive, ArchiveLimits limits, uint64_t archive_bytes)
    : archive_(archive), limits_(limits), archive_bytes_(archive_bytes) {}

SafeZip::~SafeZip() { zip_discard(as_zip(archive_)); }

Status SafeZip::check_ratio(uint64_t inflated, uint64_t compressed) const {
  if (inflated < limits_.ratio_min_bytes) return {};
  if (static_cast<double>(inflated) > limits_.max_ratio * static_cast<double>(compressed + 1)) {
    return too_large("archive_ratio_exceeded",
                     fmt::format("the archive inflates more than {}x (a zip bomb?); limit is {}x",
                                 limits_.max_ratio, limits_.max_ratio));
  }
  return {};
}

Result<std::unique_ptr<SafeZip>> SafeZip::open(const std::filesystem::path& zip,
                                               const ArchiveLimits& limits) {
  int error_code = 0;
  zip_t* archive = zip_open(zip.c_str(), ZIP_RDONLY, &error_code);
  if (archive == nullptr) {
    return fail(ErrorCode::kUnsupportedMediaType, "archive_unreadable",
                "the dataset is not a readable zip archive");
  }
  std::error_code ec;
  auto archive_bytes = static_cast<uint64_t>(std::filesystem::file_size(zip, ec));
  std::unique_ptr<SafeZip> reader(new SafeZip(archive, limits, ec ? 0 : archive_bytes));
  zip_int64_t count = zip_get_num_entries(archive, 0);
  if (count < 0 || static_cast<uint64_t>(count) > limits.max_entries) {
    return too_large(
        "archive_too_many_entries",
        fmt::format("the archive has {} entries; the limit is {}", count, limits.max_entries));
  }
  uint64_t declared_total = 0;
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    if (zip_stat_index(archive, i, 0, &stat) != 0 || stat.name == nullptr) {
      return refuse("archive_corrupt", "the zip archive's directory is damaged");
    }
    TRAINBOX_TRY(check_entry(archive, stat));
    ZipEntry entry{stat.name, static_cast<uint64_t>(i), stat.size, stat.comp_size, false};
    entry.is_dir = !entry.name.empty() && entry.name.back() == '/';
    if (entry.size > limits.max_entry_bytes) {
      return too_large("archive_entry_too_large",
                       fmt::format("'{}' is {} bytes uncompressed; the limit is {}", entry.name,
                                   entry.size, limits.max_entry_bytes));
    }
    TRAINBOX_TRY(reader->check_ratio(entry.size, entry.compressed_size));
    declared_total += entry.size;
    reader->entries_.push_back(std::move(entry));
  }
  if (declared_total > limits.max_total_bytes) {
    return too_large("archive_too_large",
                     fmt::format("the archive holds {} bytes uncompressed; the limit is {}",
                                 declared_total, limits.max_total_bytes));
  }
  TRAINBOX_TRY(reader->check_ratio(declared_total, reader->archive_bytes_));
  return reader;
}

Result<std::string> SafeZip::read(const ZipEntry& entry) {
  std::lock_guard lock(mutex_);
  zip_file_t* file = zip_fopen_index(as_zip(archive_), entry.index, 0);
  if (file == nullptr) {
    return refuse("archive_entry_unreadable", fmt::format("cannot read '{}'", entry.name));
  }
  std::string out;
  char buffer[1 << 16];
  Status status;
  while (status) {
    zip_int64_t n = zip_fread(file, buffer, sizeof buffer);
    if (n < 0) {
      status = refuse("archive_entry_unreadable", fmt::format("'{}' is damaged", entry.name));
    }
    if (n <= 0) break;
    out.append(buffer, static_cast<size_t>(n));
    uint64_t total = total_read_ += static_cast<uint64_t>(n);
    if (out.size() > limits_.max_entry_bytes || total > limits_.max_total_bytes) {
      status = too_large("archive_too_large",
                         fmt::format("'{}' inflates past the archive size limits", entry.name));
    } else if (out.size() >= limits_.ratio_min_bytes) {
      status = check_ratio(out.size(), entry.compressed_size);
    }
  }
  zip_fclose(file);
  if (!status) return fail(status.error());
  return out;
}

}  // namespace trainbox::ml::data
