// Bundle zip writing and reading with libzip. Writing goes to a temp sibling that libzip fills on
// zip_close, then is renamed over the destination, so a reader never sees a half-written bundle.
// Reading streams each known entry into a temp file in `dir` and renames it into place.
#include "ml/bundle/bundle.h"

#include <fmt/format.h>
#include <zip.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <system_error>

namespace trainbox::ml {
namespace fsys = std::filesystem;

namespace {

constexpr uint64_t kMaxEntryBytes = uint64_t{8} << 30;  // refuse absurd sizes (zip bombs)
const std::set<std::string> kRequiredEntries = {"model.pt", "classes.json", "preprocess.json"};
constexpr const char* kValidationEntry = "validation.json";

tl::unexpected<Error> corrupt(const fsys::path& zip, const std::string& why) {
  return fail(ErrorCode::kInvalidArgument, "bundle_corrupt",
              fmt::format("bundle {} is not a readable zip: {}", zip.filename().string(), why));
}

tl::unexpected<Error> write_error(const fsys::path& path, const std::string& why) {
  return fail(ErrorCode::kInternal, "bundle_write_failed",
              fmt::format("could not write bundle {}: {}", path.string(), why));
}

std::string random_suffix() {
  std::random_device device;
  return fmt::format("{:08x}", device());
}

struct ZipCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
using ZipPtr = std::unique_ptr<zip_t, ZipCloser>;

// Adds `data` as entry `name`; the string must outlive zip_close (libzip reads it then).
Status add_buffer(zip_t* archive, const std::string& name, const std::string& data) {
  zip_source_t* source = zip_source_buffer(archive, data.data(), data.size(), 0);
  if (source == nullptr || zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
    if (source != nullptr) zip_source_free(source);
    return write_error(name, zip_strerror(archive));
  }
  return {};
}

Status add_file(zip_t* archive, const std::string& name, const fsys::path& file) {
  std::error_code ec;
  if (!fsys::is_regular_file(file, ec)) {
    return fail(ErrorCode::kInternal, "bundle_write_failed",
                fmt::format("model file {} does not exist", file.string()));
  }
  zip_source_t* source = zip_source_file(archive, file.c_str(), 0, -1);
  if (source == nullptr || zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
    if (source != nullptr) zip_source_free(source);
    return write_error(file, zip_strerror(archive));
  }
  return {};
}

Status extract_entry(zip_t* archive, zip_uint64_t index, const zip_stat_t& stat,
                     const fsys::path& dest, const fsys::path& zip_path) {
  if (stat.size > kMaxEntryBytes) return corrupt(zip_path, fmt::format("{} too large", stat.name));
  zip_file_t* file = zip_fopen_index(archive, index, 0);
  if (file == nullptr) return corrupt(zip_path, zip_strerror(archive));
  fsys::path temp =
      dest.parent_path() / fmt::format(".{}.tmp-{}", dest.filename().string(), random_suffix());
  std::ofstream out(temp, std::ios::binary | std::ios::trunc);
  std::string buffer(1 << 16, '\0');
  zip_uint64_t total = 0;
  zip_int64_t n = 0;
  while ((n = zip_fread(file, buffer.data(), buffer.size())) > 0) {
    out.write(buffer.data(), n);
    total += static_cast<zip_uint64_t>(n);
  }
  bool read_ok = n == 0 && total == stat.size;
  std::string why = read_ok ? "" : zip_file_strerror(file);
  zip_fclose(file);
  out.close();
  std::error_code ec;
  if (!read_ok || !out) {
    fsys::remove(temp, ec);
    if (!read_ok) return corrupt(zip_path, fmt::format("{}: {}", stat.name, why));
    return write_error(dest, "write failed");
  }
  fsys::rename(temp, dest, ec);
  if (ec) return write_error(dest, ec.message());
  return {};
}

}  // namespace

const std::vector<std::string>& bundle_entry_names() {
  static const std::vector<std::string> kNames = {"model.pt", "classes.json", "preprocess.json",
                                                  "metrics.json", "README.md"};
  return kNames;
}

Status write_bundle(const BundleContents& contents, const fsys::path& out_zip) {
  fsys::path temp = out_zip.parent_path() /
                    fmt::format(".{}.tmp-{}", out_zip.filename().string(), random_suffix());
  int err = 0;
  ZipPtr archive(zip_open(temp.c_str(), ZIP_CREATE | ZIP_EXCL, &err));
  if (!archive) return write_error(temp, fmt::format("zip_open error {}", err));
  const std::string classes = contents.classes.dump(2);
  const std::string preprocess = contents.preprocess.dump(2);
  const std::string metrics = contents.metrics.dump(2);
  TRAINBOX_TRY(add_file(archive.get(), "model.pt", contents.model_pt));
  TRAINBOX_TRY(add_buffer(archive.get(), "classes.json", classes));
  TRAINBOX_TRY(add_buffer(archive.get(), "preprocess.json", preprocess));
  TRAINBOX_TRY(add_buffer(archive.get(), "metrics.json", metrics));
  TRAINBOX_TRY(add_buffer(archive.get(), "README.md", contents.readme));
  // Texts and paths may hold invalid UTF-8: replaced (U+FFFD) rather than failing the export.
  const std::string validation =
      contents.validation.is_null()
          ? ""
          : contents.validation.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!contents.validation.is_null()) {
    TRAINBOX_TRY(add_buffer(archive.get(), kValidationEntry, validation));
  }
  if (zip_close(archive.get()) != 0) {
    std::string why = zip_strerror(archive.get());
    std::error_code ec;
    fsys::remove(temp, ec);
    return write_error(out_zip, why);
  }
  archive.release();  // zip_close freed it
  std::error_code ec;
  fsys::rename(temp, out_zip, ec);
  if (ec) {
    fsys::remove(temp, ec);
    return write_error(out_zip, "rename failed");
  }
  return {};
}

Result<fsys::path> unpack_bundle(const fsys::path& zip, const fsys::path& dir) {
  int err = 0;
  ZipPtr archive(zip_open(zip.c_str(), ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!archive) {
    zip_error_t error;
    zip_error_init_with_code(&error, err);
    std::string why = zip_error_strerror(&error);
    zip_error_fini(&error);
    return corrupt(zip, why);
  }
  std::error_code ec;
  fsys::create_directories(dir, ec);
  if (ec) return write_error(dir, ec.message());
  const auto& names = bundle_entry_names();
  std::set<std::string> found;
  zip_int64_t count = zip_get_num_entries(archive.get(), 0);
  for (zip_int64_t i = 0; i < count; ++i) {
    zip_stat_t stat;
    auto index = static_cast<zip_uint64_t>(i);
    if (zip_stat_index(archive.get(), index, 0, &stat) != 0) {
      return corrupt(zip, zip_strerror(archive.get()));
    }
    std::string name = stat.name;
    if (std::find(names.begin(), names.end(), name) == names.end() && name != kValidationEntry) {
      continue;
    }
    if (!found.insert(name).second) return corrupt(zip, "duplicate entry " + name);
    TRAINBOX_TRY(extract_entry(archive.get(), index, stat, dir / name, zip));
  }
  for (const auto& required : kRequiredEntries) {
    if (!found.contains(required)) {
      return fail(ErrorCode::kInvalidArgument, "bundle_missing_entry",
                  fmt::format("bundle {} has no {}", zip.filename().string(), required));
    }
  }
  return dir;
}

nlohmann::json class_map_json(const std::vector<std::string>& classes) {
  nlohmann::json map = nlohmann::json::object();
  for (size_t i = 0; i < classes.size(); ++i) map[std::to_string(i)] = classes[i];
  return map;
}

Result<std::vector<std::string>> classes_from_json(const nlohmann::json& class_map) {
  auto bad = [](const std::string& why) {
    return fail(ErrorCode::kInvalidArgument, "bundle_bad_classes", "classes.json " + why);
  };
  if (!class_map.is_object() || class_map.empty()) return bad("is not a non-empty object");
  std::vector<std::string> classes(class_map.size());
  for (size_t i = 0; i < classes.size(); ++i) {
    auto it = class_map.find(std::to_string(i));
    if (it == class_map.end()) return bad(fmt::format("has no key \"{}\"", i));
    if (!it->is_string()) return bad(fmt::format("value of \"{}\" is not a string", i));
    classes[i] = it->get<std::string>();
  }
  return classes;
}

}  // namespace trainbox::ml
