#include "storage/file_blob_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <system_error>

#include "storage/blob_key.h"
#include "util/fs.h"

namespace trainbox::storage {
namespace {
namespace fsys = std::filesystem;

tl::unexpected<Error> blob_not_found(std::string_view key) {
  return fail(ErrorCode::kNotFound, "blob_not_found", fmt::format("no blob '{}'", key));
}

class FileBlobStore final : public BlobStore {
 public:
  explicit FileBlobStore(fsys::path root) : root_(std::move(root)) {}

  Status put_file(std::string_view key, const fsys::path& source) override {
    TRAINBOX_TRY(prepare_parent(key));
    return copy_file_atomic(source, path_of(key));
  }
  Status put_bytes(std::string_view key, std::string_view data) override {
    TRAINBOX_TRY(prepare_parent(key));
    return write_file_atomic(path_of(key), data);
  }
  Status get_file(std::string_view key, const fsys::path& destination) override {
    TRAINBOX_TRY(validate_key(key));
    if (!fsys::is_regular_file(path_of(key))) return blob_not_found(key);
    return copy_file_atomic(path_of(key), destination);
  }
  Result<std::string> get_bytes(std::string_view key) override {
    TRAINBOX_TRY(validate_key(key));
    if (!fsys::is_regular_file(path_of(key))) return blob_not_found(key);
    return read_file(path_of(key));
  }
  Result<bool> exists(std::string_view key) override {
    TRAINBOX_TRY(validate_key(key));
    return fsys::is_regular_file(path_of(key));
  }
  Result<std::vector<std::string>> list(std::string_view prefix) override;
  Status remove_prefix(std::string_view prefix) override;

 private:
  fsys::path path_of(std::string_view key) const { return root_ / fsys::path(key); }
  Status prepare_parent(std::string_view key) {
    TRAINBOX_TRY(validate_key(key));
    std::error_code error;
    fsys::create_directories(path_of(key).parent_path(), error);
    if (error) return fail(io_error(error.value(), "mkdir", path_of(key).parent_path()));
    return {};
  }

  fsys::path root_;
};

Result<std::vector<std::string>> FileBlobStore::list(std::string_view prefix) {
  if (!prefix.empty()) TRAINBOX_TRY(validate_prefix(prefix));
  std::vector<std::string> keys;
  fsys::path start = prefix.empty() ? root_ : path_of(prefix.substr(0, prefix.size() - 1));
  std::error_code error;
  if (!fsys::is_directory(start, error)) return keys;
  for (auto it = fsys::recursive_directory_iterator(start, error);
       !error && it != fsys::recursive_directory_iterator(); it.increment(error)) {
    if (!it->is_regular_file()) continue;
    std::string key = fsys::relative(it->path(), root_).generic_string();
    if (validate_key(key)) keys.push_back(key);  // skips temp files (".x.tmp-..." are valid too)
  }
  std::erase_if(keys, [](const std::string& key) { return key.find(".tmp-") != key.npos; });
  std::sort(keys.begin(), keys.end());
  return keys;
}

Status FileBlobStore::remove_prefix(std::string_view prefix) {
  TRAINBOX_TRY(validate_prefix(prefix));
  std::error_code error;
  fsys::remove_all(path_of(prefix.substr(0, prefix.size() - 1)), error);
  if (error) return fail(io_error(error.value(), "remove", path_of(prefix)));
  return {};
}

}  // namespace

Result<std::unique_ptr<BlobStore>> open_file_blob_store(const fsys::path& root) {
  std::error_code error;
  fsys::create_directories(root, error);
  if (error || !fsys::is_directory(root)) {
    return fail(ErrorCode::kUnavailable, "storage_unavailable",
                fmt::format("cannot create blob folder '{}': {}", root.string(), error.message()));
  }
  return std::unique_ptr<BlobStore>(std::make_unique<FileBlobStore>(fsys::absolute(root)));
}

}  // namespace trainbox::storage
