#pragma once
// Reads a multipart/form-data body as it streams in: file parts go to disk (or memory, for small
// predict requests), form fields to memory, and every byte counts against a limit, so a 2 GB
// upload never needs 2 GB of RAM and an oversized one stops with 413 as soon as it crosses it.

#include <httplib.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "util/result.h"

namespace trainbox::http {

struct UploadedFile {
  std::string field;
  std::string filename;
  std::filesystem::path path;  // when written to disk
  std::string data;            // when kept in memory
  uint64_t size = 0;
};

struct UploadedForm {
  std::map<std::string, std::string> fields;
  std::vector<UploadedFile> files;
};

struct UploadLimits {
  uint64_t max_total_bytes = 0;
  uint64_t max_field_bytes = 64 << 10;
  std::filesystem::path disk_dir;  // empty: keep files in memory
  // Parts with these names are files even when the client sent no filename.
  std::vector<std::string> file_fields = {"dataset", "file"};
};

// Content-Type must be multipart/form-data (else kUnsupportedMediaType).
Result<UploadedForm> read_multipart(const httplib::Request& req,
                                    const httplib::ContentReader& reader,
                                    const UploadLimits& limits);

// Reads a non-multipart body into memory, up to `max_bytes`.
Result<std::string> read_body(const httplib::Request& req, const httplib::ContentReader& reader,
                              uint64_t max_bytes);

}  // namespace trainbox::http
