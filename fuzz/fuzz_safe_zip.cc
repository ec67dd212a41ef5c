// libFuzzer target: an uploaded image dataset (zip) through SafeZip, with small limits so a
// zip bomb shows as a refusal, not an out-of-memory. The archive must come from a path (libzip),
// so each input goes through one temp file.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "ml/data/safe_zip.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("trainbox-fuzz-zip-" + std::to_string(getpid()));
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  trainbox::ml::data::ArchiveLimits limits;
  limits.max_total_bytes = 8 << 20;
  limits.max_entry_bytes = 4 << 20;
  limits.max_entries = 1000;
  auto zip = trainbox::ml::data::SafeZip::open(path, limits);
  if (zip) {
    for (const auto& entry : (*zip)->entries()) {
      if (!entry.is_dir) (void)(*zip)->read(entry);  // a refusal is a fine outcome
    }
  }
  return 0;
}
