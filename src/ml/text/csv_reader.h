#pragma once
// RFC 4180 CSV reading for text datasets: UTF-8 (optional BOM) only, separator detected among
// comma, semicolon and tab, quoted fields with embedded separators, quotes ("") and newlines.
// Cells are data: nothing is ever evaluated, formula-looking cells included. Torch-free.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace trainbox::ml::text {

struct CsvLimits {
  uint64_t max_bytes = uint64_t{200} << 20;  // whole file; kPayloadTooLarge "csv_too_large"
  size_t max_field_chars = 131072;           // code points; kPayloadTooLarge "csv_field_too_large"
  size_t max_columns = 2000;                 // kInvalidArgument "csv_too_wide"
};

struct CsvRecord {
  std::vector<std::string> fields;
  int line = 0;  // 1-based line where the record starts
};

struct CsvTable {
  char separator = ',';
  std::vector<CsvRecord> records;  // every record, blank ones included, in file order
};

// Parses `data` (the whole file). Errors (kInvalidArgument unless noted above):
// "csv_unsupported_encoding" (UTF-16/32 BOM or NUL bytes), "csv_invalid_utf8" (names the row),
// "csv_unbalanced_quotes" (names the line where the open quote starts), and the limits.
Result<CsvTable> parse_csv(std::string_view data, const CsvLimits& limits = {});

// parse_csv's checks and errors, but each record is handed to `visit` and dropped (memory stays
// bounded by one record); `visit` returns false to stop early. Returns the separator.
Result<char> scan_csv(std::string_view data, const CsvLimits& limits,
                      const std::function<bool(const CsvRecord&)>& visit);

// "csv_unsupported_encoding" when `head` (the file's first bytes) is UTF-16 or UTF-32, with or
// without a byte order mark (the message names which), or holds NUL bytes.
Status check_csv_encoding(std::string_view head);

// Checks the size limit before reading, then parse_csv.
Result<CsvTable> read_csv_file(const std::filesystem::path& path, const CsvLimits& limits = {});

// Picks the separator (',', ';' or '\t') whose split of the first records is most consistent.
char detect_separator(std::string_view data);

// True when every field is empty or whitespace.
bool is_blank(const CsvRecord& record);

}  // namespace trainbox::ml::text
