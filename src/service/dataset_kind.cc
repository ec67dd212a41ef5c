#include "service/dataset_kind.h"

#include <fmt/format.h>

#include <algorithm>
#include <fstream>

namespace trainbox::service {
namespace {

using core::TaskKind;

bool looks_like_zip(std::string_view head) {
  return head.starts_with("PK\x03\x04") || head.starts_with("PK\x05\x06");
}

// Known binary formats that are neither a zip nor text.
bool looks_binary(std::string_view head) {
  return std::find(head.begin(), head.end(), '\0') != head.end();
}

std::string lower_extension(std::string_view filename) {
  auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) return "";
  std::string ext(filename.substr(dot));
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext;
}

tl::unexpected<Error> unsupported(std::string message) {
  return fail(ErrorCode::kUnsupportedMediaType, "unsupported_media_type", std::move(message));
}

}  // namespace

Result<TaskKind> detect_dataset_kind(const std::filesystem::path& upload, std::string_view filename,
                                     std::optional<TaskKind> declared) {
  std::ifstream in(upload, std::ios::binary);
  std::string head(4096, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<size_t>(in.gcount()));
  if (head.empty()) {
    return fail(ErrorCode::kInvalidArgument, "empty_dataset", "the uploaded dataset file is empty");
  }
  std::string ext = lower_extension(filename);
  std::optional<TaskKind> detected;
  if (looks_like_zip(head)) {
    detected = TaskKind::kImage;
  } else if (!looks_binary(head) || head.starts_with("\xFF\xFE") || head.starts_with("\xFE\xFF")) {
    detected = TaskKind::kText;  // UTF-16 gets a clear encoding error from the CSV reader
  }
  if (!detected) {
    return unsupported("the dataset must be a .zip of class folders or a .csv of text,label rows");
  }
  if (ext == ".zip" && detected != TaskKind::kImage) {
    return unsupported(
        fmt::format("'{}' is named .zip but its content is not a zip archive", filename));
  }
  if (ext == ".csv" && detected != TaskKind::kText) {
    return unsupported(fmt::format("'{}' is named .csv but its content is not text", filename));
  }
  if (ext != ".zip" && ext != ".csv" && !ext.empty() && ext != ".txt" && ext != ".tsv") {
    return unsupported(
        fmt::format("'{}': expected a .zip (images) or .csv (texts) file", filename));
  }
  if (declared && declared != detected) {
    return unsupported(fmt::format(
        "kind '{}' does not match the uploaded file, which is {}", core::to_string(*declared),
        *detected == TaskKind::kImage ? "a zip (image task)" : "text (text task)"));
  }
  return *detected;
}

}  // namespace trainbox::service
