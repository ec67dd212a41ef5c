#pragma once
// Decides what an upload is from its first bytes, never from the client's Content-Type:
// a zip is an image dataset, UTF-8 text is a CSV text dataset.

#include <filesystem>
#include <optional>
#include <string_view>

#include "core/task.h"
#include "util/result.h"

namespace trainbox::service {

// `declared` is the optional `kind` form field; `filename` the upload's name. A mismatch between
// content and name or declared kind is kUnsupportedMediaType.
Result<core::TaskKind> detect_dataset_kind(const std::filesystem::path& upload,
                                           std::string_view filename,
                                           std::optional<core::TaskKind> declared);

}  // namespace trainbox::service
