// libFuzzer target: an uploaded text dataset through the CSV reader (separator sniffing,
// quoting, BOM, limits).
#include <cstdint>
#include <string_view>

#include "ml/text/csv_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  trainbox::ml::text::CsvLimits limits;
  auto table = trainbox::ml::text::parse_csv(text, limits);
  if (table) {
    for (const auto& record : table->records) (void)trainbox::ml::text::is_blank(record);
  }
  return 0;
}
