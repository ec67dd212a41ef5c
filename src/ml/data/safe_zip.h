#pragma once
// A zip reader that refuses hostile archives before anything is unpacked: entries that escape the
// archive root (zip slip), symlinks, encrypted entries, and zip bombs (entry count, uncompressed
// size and compression ratio over configurable limits). Sizes from the headers are only used to
// refuse early; the bytes actually inflated are counted while reading, so a lying header cannot
// get past the limits. Nothing is written to disk: entries are read into memory.
// Thread safety: read() may be called from several threads at once (reads are serialised).

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "util/result.h"

namespace trainbox::ml::data {

struct ArchiveLimits {
  uint64_t max_total_bytes = 4ULL << 30;    // sum of inflated bytes over all entries read
  uint64_t max_entry_bytes = 256ULL << 20;  // one entry, inflated
  uint64_t max_entries = 200000;
  double max_ratio = 100;                 // inflated / compressed, per entry and archive
  uint64_t ratio_min_bytes = 1ULL << 20;  // entries smaller than this skip the per-entry ratio
};

struct ZipEntry {
  std::string name;  // as stored, '/'-separated
  uint64_t index = 0;
  uint64_t size = 0;             // declared (untrusted)
  uint64_t compressed_size = 0;  // declared (untrusted)
  bool is_dir = false;
};

// Returns a refusal when `name` is absolute, has a drive letter, or has a ".." component with
// '/' or '\' as separators. Exposed for tests.
Status check_entry_name(const std::string& name);

class SafeZip {
 public:
  // Opens and validates every entry's name, type, encryption and declared sizes.
  static Result<std::unique_ptr<SafeZip>> open(const std::filesystem::path& zip,
                                               const ArchiveLimits& limits);
  ~SafeZip();
  SafeZip(const SafeZip&) = delete;
  SafeZip& operator=(const SafeZip&) = delete;

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // Inflates one entry, counting bytes against the limits.
  Result<std::string> read(const ZipEntry& entry);

 private:
  SafeZip(void* archive, ArchiveLimits limits, uint64_t archive_bytes);
  Status check_ratio(uint64_t inflated, uint64_t compressed) const;

  void* archive_;  // zip_t*, kept opaque so libzip stays out of the header
  ArchiveLimits limits_;
  uint64_t archive_bytes_;
  std::vector<ZipEntry> entries_;
  std::mutex mutex_;
  std::atomic<uint64_t> total_read_{0};
};

}  // namespace trainbox::ml::data
