// What keeps a task's inputs and outputs trustworthy: the Idempotency-Key of create() (a retried
// upload finds its first task instead of making a second) and the check of a model bundle
// against the size and SHA-256 recorded at completion, before it is served or loaded.

#include <fmt/format.h>

#include <algorithm>

#include "service/task_service.h"
#include "util/log.h"
#include "util/sha256.h"

namespace trainbox::service {
namespace {

constexpr size_t kMaxKeyLength = 255;

Status check_key(std::string_view key) {
  bool printable =
      std::all_of(key.begin(), key.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
  if (key.size() > kMaxKeyLength || !printable) {
    return fail(ErrorCode::kInvalidArgument, "invalid_idempotency_key",
                fmt::format("the Idempotency-Key header must be 1 to {} printable ASCII characters",
                            kMaxKeyLength));
  }
  return {};
}

tl::unexpected<Error> key_reused() {
  return fail(ErrorCode::kConflict, "idempotency_key_reused",
              "this Idempotency-Key was already used for a different request (another dataset, "
              "name, kind or options); send a new key for a new task");
}

tl::unexpected<Error> artifact_damaged(std::string_view id, std::string what) {
  return fail(ErrorCode::kConflict, "model_artifact_unavailable",
              fmt::format("the model file of task {} is damaged in storage ({}); train the task "
                          "again",
                          id, what));
}

}  // namespace

Result<TaskService::Replay> TaskService::find_replay(const NewTask& request) {
  const std::string& key = request.idempotency_key;
  if (key.empty()) return Replay{};
  TRAINBOX_TRY(check_key(key));
  auto upload = sha256_file(request.upload);
  if (!upload) return fail(upload.error());
  Replay replay;
  replay.fingerprint =
      sha256_hex_of(fmt::format("{}\n{}\n{}\n{}", upload->sha256, request.filename,
                                request.kind.value_or(""), request.options_text.value_or("")));
  TRAINBOX_TRY(
      store_.release_idempotency_key(key, clock_.now_ms() - config_.idempotency_window_ms));
  auto existing = store_.find_by_idempotency_key(key);
  if (!existing) {
    if (existing.error().code == ErrorCode::kNotFound) return replay;
    return fail(existing.error());
  }
  if (existing->idempotency_fingerprint != replay.fingerprint) return key_reused();
  TRAINBOX_LOG_INFO("task={} returned again for its Idempotency-Key", existing->id);
  replay.task = std::move(*existing);
  return replay;
}

Result<core::Task> TaskService::replay_after_race(const NewTask& request,
                                                  const std::string& fingerprint) {
  auto existing = store_.find_by_idempotency_key(request.idempotency_key);
  if (!existing) {
    if (existing.error().code != ErrorCode::kNotFound) return fail(existing.error());
    return fail(ErrorCode::kConflict, "idempotency_key_taken",
                "another request with this Idempotency-Key was being handled; retry it");
  }
  if (existing->idempotency_fingerprint != fingerprint) return key_reused();
  return existing;
}

Status TaskService::check_bundle_bytes(const core::Task& task, std::string_view bytes) {
  if (task.model_size > 0 && bytes.size() != static_cast<uint64_t>(task.model_size)) {
    return artifact_damaged(task.id,
                            fmt::format("{} bytes instead of {}", bytes.size(), task.model_size));
  }
  if (!task.model_sha256.empty() && sha256_hex_of(bytes) != task.model_sha256) {
    return artifact_damaged(task.id, "its SHA-256 differs from the one recorded at completion");
  }
  return {};
}

Status TaskService::check_bundle_file(const core::Task& task, const std::filesystem::path& file,
                                      bool with_sha256) {
  if (!with_sha256) {
    std::error_code ec;
    auto size = std::filesystem::file_size(file, ec);
    if (!ec && task.model_size > 0 && size != static_cast<uint64_t>(task.model_size)) {
      return artifact_damaged(task.id,
                              fmt::format("{} bytes instead of {}", size, task.model_size));
    }
    return {};
  }
  auto digest = sha256_file(file);
  if (!digest) return fail(digest.error());
  if (task.model_size > 0 && digest->size != static_cast<uint64_t>(task.model_size)) {
    return artifact_damaged(task.id,
                            fmt::format("{} bytes instead of {}", digest->size, task.model_size));
  }
  if (!task.model_sha256.empty() && digest->sha256 != task.model_sha256) {
    return artifact_damaged(task.id, "its SHA-256 differs from the one recorded at completion");
  }
  return {};
}

}  // namespace trainbox::service
