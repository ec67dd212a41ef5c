#pragma once
// Test-only: the npm cache that `make backbones` (scripts/install_backbones.sh) fills, and the
// conversion of its nsfwjs models into a test's own backbones folder.

#include <cstdlib>
#include <filesystem>
#include <string>

#include "ml/backbones.h"

namespace trainbox::ml::testing {

// ${TRAINBOX_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/trainbox}, as in install_backbones.sh.
inline std::filesystem::path backbone_cache_dir() {
  if (const char* dir = std::getenv("TRAINBOX_CACHE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  std::filesystem::path base =
      xdg != nullptr && *xdg != '\0'
          ? std::filesystem::path(xdg)
          : std::filesystem::path(home != nullptr ? home : "/root") / ".cache";
  return base / "trainbox";
}

inline std::filesystem::path cached_tfjs_model(const std::string& name) {
  return backbone_cache_dir() / "tfjs" / name;
}

// Converts the cached nsfwjs model `name` into out_dir/name.{pt,json}.
inline Result<nlohmann::json> convert_cached_nsfwjs(const std::string& name,
                                                    const std::filesystem::path& out_dir) {
  ConvertBackboneRequest request;
  request.tfjs_dir = cached_tfjs_model(name);
  request.name = name;
  request.out_dir = out_dir;
  request.package = "nsfwjs";
  request.package_version = "4.4.0";
  request.licence = "MIT";
  request.model_path = "dist/models/" + name;
  return convert_tfjs_backbone(request);
}

}  // namespace trainbox::ml::testing
