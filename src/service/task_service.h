#pragma once
// Use cases shared by the HTTP routes, the worker and the CLI. The database row is the single
// source of truth; every change goes through TaskStore's conditional writes and then wakes the
// followers (TaskEvents). Safe for concurrent use.

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/task_store.h"
#include "ml/api.h"
#include "queue/job_queue.h"
#include "service/caller.h"
#include "service/predictor_cache.h"
#include "service/task_events.h"
#include "service/upload_checks.h"
#include "storage/blob_store.h"
#include "util/clock.h"

namespace trainbox::service {

// What one (non-admin) user may hold; 0 = no limit.
struct UserLimits {
  int max_active_tasks = 0;      // QUEUED + RUNNING at once
  int64_t max_stored_bytes = 0;  // uploads + bundles of the tasks the user still has
};

struct ServiceConfig {
  std::filesystem::path scratch_dir;  // predictor bundles are unpacked here
  int64_t lease_timeout_ms = 30'000;  // a RUNNING task without a heartbeat this long is dead
  size_t predictor_cache_size = 8;
  int max_predict_items = 64;
  std::string worker_id = "local";  // recorded on the tasks this process claims
  int max_attempts = 3;             // a task whose worker died is queued again until this many
  int64_t idempotency_window_ms =
      int64_t{24} * 3600 * 1000;     // an Idempotency-Key is honoured this long
  IntakeLimits intake;               // what create() refuses before storing (upload_checks.h)
  double max_predict_mpixels = 200;  // decoded pixels of one predict request, all images
  UserLimits user_limits;
};

struct NewTask {
  std::filesystem::path upload;             // the streamed upload on local disk; consumed
  std::string filename;                     // as the client named it
  std::optional<std::string> kind;          // the `kind` form field, if sent
  std::optional<std::string> options_text;  // the `options` form field (JSON), if sent
  // The Idempotency-Key header, "" if none: the same key with the same request within
  // idempotency_window_ms returns the first task; with a different request, kConflict
  // "idempotency_key_reused".
  std::string idempotency_key = {};
};

class TaskService {
 public:
  TaskService(db::TaskStore& store, storage::BlobStore& blobs, queue::JobQueue& queue,
              const Clock& clock, ServiceConfig config);

  // --- user-facing (HTTP, CLI) ---
  // Each checks that `caller` may see the task (Caller::can_see): another user's task is a 404.
  // create() records the caller as the owner and holds non-admins to config.user_limits (429).
  Result<core::Task> create(const Caller& caller, const NewTask& request);
  Result<core::Task> get(const Caller& caller, std::string_view id);
  // An admin lists every task, anyone else their own.
  Result<db::TaskPage> list(const Caller& caller, int limit, int offset);
  Result<core::Task> cancel(const Caller& caller, std::string_view id);
  Status remove(const Caller& caller, std::string_view id);
  // The bundle zip's bytes, checked against the size and SHA-256 recorded at completion (409
  // "model_artifact_unavailable" when missing or damaged).
  Result<std::string> model_bundle(const Caller& caller, std::string_view id);
  // The bundle's validation.json (the validation items behind metrics.confusion_matrix), as
  // stored: 404 "validation_unavailable" for a bundle without one (written before it existed),
  // 409 "task_not_completed" before COMPLETED.
  Result<std::string> validation_items(const Caller& caller, std::string_view id);
  Result<std::vector<ml::Prediction>> predict_images(const Caller& caller, std::string_view id,
                                                     const std::vector<std::string>& files,
                                                     int top_k);
  Result<std::vector<ml::Prediction>> predict_texts(const Caller& caller, std::string_view id,
                                                    const std::vector<std::string>& texts,
                                                    int top_k);

  // --- worker-facing (jobs/) ---
  Result<bool> claim(std::string_view id);
  Status fetch_dataset(const core::Task& task, const std::filesystem::path& destination);
  Status record_progress(std::string_view id, const core::Progress& progress);
  Status record_dataset(std::string_view id, const nlohmann::json& dataset,
                        const std::vector<std::string>& classes);
  Status heartbeat(std::string_view id);
  // True when the task was cancelled or deleted, or no longer runs on this worker (re-queued after
  // a lost lease): its runner must stop.
  bool should_stop(std::string_view id);
  // True while the task is RUNNING on this worker (config.worker_id).
  bool runs_here(std::string_view id);
  Status complete(std::string_view id, const std::filesystem::path& bundle,
                  const nlohmann::json& metrics);
  Status end(std::string_view id, core::TaskStatus status, std::string reason);
  // This worker stops without finishing the task: QUEUED again for another worker, the attempt
  // not counted.
  Status hand_back(std::string_view id);

  // --- housekeeping ---
  // Pushes every QUEUED task onto the queue again (the queue may have been lost in a restart).
  Result<int> requeue_queued();
  // RUNNING tasks whose heartbeat stopped: queued again while attempts remain, else FAILED with
  // the reason (CANCELLED if a cancel was asked); returns how many were handled.
  Result<int> reap_stale();

  TaskEvents& events() { return events_; }
  const ServiceConfig& config() const { return config_; }

 private:
  Result<core::Task> get_completed(const Caller& caller, std::string_view id, core::TaskKind kind);
  // The per-user limits of create(), for a non-admin caller about to store `upload_bytes`.
  Status check_user_limits(const Caller& caller, int64_t upload_bytes);
  Result<std::shared_ptr<ml::Predictor>> load_predictor(const std::string& id);
  // task_integrity.cc: the bundle checks and the Idempotency-Key of create().
  struct Replay {
    std::optional<core::Task> task;  // the task this request already created
    std::string fingerprint;         // of the request, stored with its key
  };
  Result<Replay> find_replay(const NewTask& request);
  // After the insert lost to another request with the same key: that request's task.
  Result<core::Task> replay_after_race(const NewTask& request, const std::string& fingerprint);
  Status check_bundle_bytes(const core::Task& task, std::string_view bytes);
  Status check_bundle_file(const core::Task& task, const std::filesystem::path& file,
                           bool with_sha256);
  Status check_predict_size(size_t count);
  // One stale task: re-queued, cancelled or failed; true if this call moved it.
  Result<bool> reap_one(const std::string& id, int64_t heartbeat_before_ms);

  db::TaskStore& store_;
  storage::BlobStore& blobs_;
  queue::JobQueue& queue_;
  const Clock& clock_;
  ServiceConfig config_;
  TaskEvents events_;
  PredictorCache predictors_;
};

std::string dataset_key(std::string_view id, core::TaskKind kind);
std::string model_key(std::string_view id);
std::string task_prefix(std::string_view id);

}  // namespace trainbox::service
