#include "storage/memory_blob_store.h"

#include <fmt/format.h>

#include <map>
#include <mutex>

#include "storage/blob_key.h"
#include "util/fs.h"

namespace trainbox::storage {
namespace {

class MemoryBlobStore final : public BlobStore {
 public:
  Status put_file(std::string_view key, const std::filesystem::path& source) override {
    TRAINBOX_TRY(validate_key(key));
    auto data = read_file(source);
    if (!data) return fail(data.error());
    return put_bytes(key, *data);
  }
  Status put_bytes(std::string_view key, std::string_view data) override {
    TRAINBOX_TRY(validate_key(key));
    std::lock_guard lock(mutex_);
    blobs_[std::string(key)] = std::string(data);
    return {};
  }
  Status get_file(std::string_view key, const std::filesystem::path& destination) override {
    auto data = get_bytes(key);
    if (!data) return fail(data.error());
    return write_file_atomic(destination, *data);
  }
  Result<std::string> get_bytes(std::string_view key) override {
    TRAINBOX_TRY(validate_key(key));
    std::lock_guard lock(mutex_);
    auto it = blobs_.find(std::string(key));
    if (it == blobs_.end()) {
      return fail(ErrorCode::kNotFound, "blob_not_found", fmt::format("no blob '{}'", key));
    }
    return it->second;
  }
  Result<bool> exists(std::string_view key) override {
    TRAINBOX_TRY(validate_key(key));
    std::lock_guard lock(mutex_);
    return blobs_.count(std::string(key)) > 0;
  }
  Result<std::vector<std::string>> list(std::string_view prefix) override {
    if (!prefix.empty()) TRAINBOX_TRY(validate_prefix(prefix));
    std::lock_guard lock(mutex_);
    std::vector<std::string> keys;
    for (const auto& [key, value] : blobs_) {
      if (std::string_view(key).starts_with(prefix)) keys.push_back(key);
    }
    return keys;
  }
  Status remove_prefix(std::string_view prefix) override {
    TRAINBOX_TRY(validate_prefix(prefix));
    std::lock_guard lock(mutex_);
    std::erase_if(blobs_, [&](const auto& entry) {
      return std::string_view(entry.first).starts_with(prefix);
    });
    return {};
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::string> blobs_;
};

}  // namespace

std::unique_ptr<BlobStore> make_memory_blob_store() { return std::make_unique<MemoryBlobStore>(); }

}  // namespace trainbox::storage
