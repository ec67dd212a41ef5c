#pragma once
// The model bundle: one zip with model.pt, classes.json, preprocess.json, metrics.json and
// README.md (DESIGN.md, "The model bundle"). Torch-free, so anything may include it.
// Thread safety: the functions share no state; concurrent calls on different paths are safe.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "util/result.h"

namespace trainbox::ml {

struct BundleContents {
  std::filesystem::path model_pt;  // an existing TorchScript file, copied into the zip
  nlohmann::json classes;          // {"0":"cat","1":"dog"}
  nlohmann::json preprocess;
  nlohmann::json metrics;
  std::string readme;
  // validation.json (optional; null = not written): the validation items behind the metrics,
  // see eval/validation_items.h.
  nlohmann::json validation;
};

// The five entry names, in the order they are written (validation.json, optional, comes last).
const std::vector<std::string>& bundle_entry_names();

// Writes the bundle to `out_zip` atomically: a temp sibling is written, then renamed over it.
Status write_bundle(const BundleContents& contents, const std::filesystem::path& out_zip);

// Extracts the five known entries of `zip` (and validation.json when present) into `dir`
// (created if needed) and returns `dir`.
// Other entries are ignored, so no entry name can reach outside `dir`. Fails with
// kInvalidArgument "bundle_corrupt" for an unreadable zip and "bundle_missing_entry" when
// model.pt, classes.json or preprocess.json is absent.
Result<std::filesystem::path> unpack_bundle(const std::filesystem::path& zip,
                                            const std::filesystem::path& dir);

// {"0": classes[0], "1": classes[1], ...}
nlohmann::json class_map_json(const std::vector<std::string>& classes);

// The inverse of class_map_json; fails with "bundle_bad_classes" unless the keys are exactly
// "0".."n-1" and the values strings.
Result<std::vector<std::string>> classes_from_json(const nlohmann::json& class_map);

}  // namespace trainbox::ml
