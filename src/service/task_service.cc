#include "service/task_service.h"

#include <fmt/format.h>

#include "ml/bundle/bundle.h"
#include "ml/options.h"
#include "service/dataset_kind.h"
#include "util/fs.h"
#include "util/ids.h"
#include "util/log.h"

namespace trainbox::service {
namespace fsys = std::filesystem;
using core::Task;
using core::TaskKind;
using core::TaskStatus;

std::string task_prefix(std::string_view id) { return fmt::format("tasks/{}/", id); }
std::string dataset_key(std::string_view id, TaskKind kind) {
  return fmt::format("tasks/{}/dataset.{}", id, kind == TaskKind::kText ? "csv" : "zip");
}
std::string model_key(std::string_view id) { return fmt::format("tasks/{}/model.zip", id); }

namespace {

tl::unexpected<Error> task_not_found(std::string_view id) {
  return fail(ErrorCode::kNotFound, "task_not_found",
              fmt::format("no task with id '{}'", id.substr(0, 64)));
}

Result<nlohmann::json> parse_options_field(const std::optional<std::string>& text) {
  if (!text || text->empty()) return nlohmann::json::object();
  auto parsed = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return fail(ErrorCode::kInvalidArgument, "invalid_options",
                "the 'options' field must be a JSON object, e.g. {\"epochs\": 10}");
  }
  auto validated = ml::parse_train_options(parsed);
  if (!validated) return fail(validated.error());
  return ml::to_json(*validated);  // only known, validated keys are stored
}

Result<std::optional<TaskKind>> parse_kind_field(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::optional<TaskKind>();
  auto kind = core::parse_task_kind(*text);
  if (!kind) {
    return fail(ErrorCode::kInvalidArgument, "invalid_kind",
                fmt::format("kind must be 'image' or 'text', not '{}'", text->substr(0, 32)));
  }
  return std::optional<TaskKind>(*kind);
}

// The intake checks of upload_checks.h: refused here, nothing is stored or queued.
Status check_upload(const fsys::path& upload, TaskKind kind, const nlohmann::json& options,
                    const IntakeLimits& limits) {
  if (!limits.enabled) return {};
  if (kind == TaskKind::kImage) return check_image_upload(upload, limits);
  auto parsed = ml::parse_train_options(options);
  if (!parsed) return fail(parsed.error());
  return check_text_upload(upload, *parsed, limits);
}

}  // namespace

TaskService::TaskService(db::TaskStore& store, storage::BlobStore& blobs, queue::JobQueue& queue,
                         const Clock& clock, ServiceConfig config)
    : store_(store),
      blobs_(blobs),
      queue_(queue),
      clock_(clock),
      config_(std::move(config)),
      predictors_(config_.predictor_cache_size,
                  [this](const std::string& id) { return load_predictor(id); }) {}

Result<Task> TaskService::create(const Caller& caller, const NewTask& request) {
  auto replay = find_replay(request);  // the Idempotency-Key (task_integrity.cc)
  if (!replay) return fail(replay.error());
  if (replay->task) return *replay->task;
  auto options = parse_options_field(request.options_text);
  if (!options) return fail(options.error());
  auto declared = parse_kind_field(request.kind);
  if (!declared) return fail(declared.error());
  auto kind = detect_dataset_kind(request.upload, request.filename, *declared);
  if (!kind) return fail(kind.error());
  TRAINBOX_TRY(ml::check_model_for_kind(
      *kind == TaskKind::kText ? ml::TaskKind::kText : ml::TaskKind::kImage,
      options->value("backbone", std::string("auto"))));
  TRAINBOX_TRY(check_upload(request.upload, *kind, *options, config_.intake));
  std::error_code size_error;
  auto upload_bytes = static_cast<int64_t>(fsys::file_size(request.upload, size_error));
  if (size_error) upload_bytes = 0;
  TRAINBOX_TRY(check_user_limits(caller, upload_bytes));

  Task task;
  task.id = new_task_id();
  task.kind = *kind;
  task.created_at_ms = clock_.now_ms();
  task.options = *options;
  task.dataset_name = request.filename.substr(0, 255);
  task.dataset_key = dataset_key(task.id, task.kind);
  task.dataset_size = upload_bytes;
  task.owner = caller.user;
  task.idempotency_key = request.idempotency_key;
  task.idempotency_fingerprint = replay->fingerprint;
  // Blob first, row second: no row ever points at a missing dataset.
  TRAINBOX_TRY(blobs_.put_file(task.dataset_key, request.upload));
  if (auto inserted = store_.insert(task); !inserted) {
    (void)blobs_.remove_prefix(task_prefix(task.id));
    if (inserted.error().slug == "idempotency_key_taken") {
      return replay_after_race(request, replay->fingerprint);
    }
    return fail(inserted.error());
  }
  if (auto pushed = queue_.push(task.id); !pushed) {
    // The row is durable and QUEUED; requeue_queued() hands it out after the queue is back.
    TRAINBOX_LOG_WARN("task={} queued in the database but not on the queue: {}", task.id,
                      pushed.error().message);
  }
  TRAINBOX_LOG_INFO("task={} created kind={} dataset='{}' owner='{}'", task.id,
                    core::to_string(task.kind), task.dataset_name, task.owner);
  events_.notify();
  return task;
}

Result<Task> TaskService::get(const Caller& caller, std::string_view id) {
  if (!is_valid_task_id(id)) return task_not_found(id);
  auto task = store_.get(id);
  if (task && !caller.can_see(*task)) return task_not_found(id);
  return task;
}

Result<db::TaskPage> TaskService::list(const Caller& caller, int limit, int offset) {
  if (limit < 1 || limit > 500 || offset < 0) {
    return fail(ErrorCode::kInvalidArgument, "invalid_paging",
                "limit must be 1..500 and offset >= 0");
  }
  return store_.list(limit, offset,
                     caller.is_admin ? std::nullopt : std::optional<std::string>(caller.user));
}

Result<Task> TaskService::cancel(const Caller& caller, std::string_view id) {
  auto task = get(caller, id);
  if (!task) return task;
  if (core::is_terminal(task->status)) {
    return fail(ErrorCode::kConflict, "task_finished",
                fmt::format("task {} has already ended ({})", id, core::to_string(task->status)));
  }
  auto cancelled = store_.request_cancel(id, clock_.now_ms());
  if (cancelled) {
    TRAINBOX_LOG_INFO("task={} cancel requested (status {})", id,
                      core::to_string(cancelled->status));
    events_.notify();
  }
  return cancelled;
}

Status TaskService::remove(const Caller& caller, std::string_view id) {
  auto task = get(caller, id);
  if (!task) return fail(task.error());
  if (task->status == TaskStatus::kRunning) {
    (void)store_.request_cancel(id, clock_.now_ms());  // the runner sees the row vanish too
  }
  TRAINBOX_TRY(store_.remove(id));
  predictors_.erase(std::string(id));
  TRAINBOX_TRY(blobs_.remove_prefix(task_prefix(id)));
  TRAINBOX_LOG_INFO("task={} deleted with its blobs", id);
  events_.notify();
  return {};
}

Result<Task> TaskService::get_completed(const Caller& caller, std::string_view id, TaskKind kind) {
  auto task = get(caller, id);
  if (!task) return task;
  if (task->status != TaskStatus::kCompleted) {
    return fail(ErrorCode::kConflict, "task_not_completed",
                fmt::format("task {} is {}; its model is ready once it is COMPLETED", id,
                            core::to_string(task->status)));
  }
  if (task->kind != kind) {
    return fail(ErrorCode::kInvalidArgument, "wrong_input_kind",
                fmt::format("task {} is a {} task: send {}", id, core::to_string(task->kind),
                            task->kind == TaskKind::kImage ? "image files in 'file' fields"
                                                           : "JSON {\"texts\": [...]}"));
  }
  return task;
}

Result<std::string> TaskService::model_bundle(const Caller& caller, std::string_view id) {
  auto task = get(caller, id);
  if (!task) return fail(task.error());
  if (task->status != TaskStatus::kCompleted) {
    return fail(ErrorCode::kConflict, "task_not_completed",
                fmt::format("task {} is {}; its model is ready once it is COMPLETED", id,
                            core::to_string(task->status)));
  }
  auto bytes = blobs_.get_bytes(task->model_key);
  if (!bytes && bytes.error().code == ErrorCode::kNotFound) {
    return fail(ErrorCode::kConflict, "model_artifact_unavailable",
                fmt::format("the model file of task {} is missing from storage", id));
  }
  if (bytes) TRAINBOX_TRY(check_bundle_bytes(*task, *bytes));
  return bytes;
}

Result<std::string> TaskService::validation_items(const Caller& caller, std::string_view id) {
  auto task = get(caller, id);
  if (!task) return fail(task.error());
  if (task->status != TaskStatus::kCompleted) {
    return fail(ErrorCode::kConflict, "task_not_completed",
                fmt::format("task {} is {}; its validation items are ready once it is COMPLETED",
                            id, core::to_string(task->status)));
  }
  // A bundle never changes once its task is COMPLETED; unpacking it is the one reader of its
  // entries that ml offers (no entry name can reach outside the folder).
  TempDir dir(config_.scratch_dir / "validation", task->id);
  if (auto blob = blobs_.get_file(task->model_key, dir.path() / "bundle.zip"); !blob) {
    if (blob.error().code != ErrorCode::kNotFound) return fail(blob.error());
    return fail(ErrorCode::kConflict, "model_artifact_unavailable",
                fmt::format("the model file of task {} is missing from storage", id));
  }
  TRAINBOX_TRY(check_bundle_file(*task, dir.path() / "bundle.zip", /*with_sha256=*/false));
  auto unpacked = ml::unpack_bundle(dir.path() / "bundle.zip", dir.path() / "unpacked");
  if (!unpacked) {
    return fail(
        ErrorCode::kConflict, "model_artifact_unavailable",
        fmt::format("the model of task {} cannot be read: {}", id, unpacked.error().message));
  }
  fsys::path file = *unpacked / "validation.json";
  std::error_code ec;
  if (!fsys::is_regular_file(file, ec)) {
    return fail(ErrorCode::kNotFound, "validation_unavailable",
                fmt::format("the model of task {} was saved without its validation items (trained "
                            "before they were kept); train it again to see them",
                            id));
  }
  auto text = read_file(file);
  if (!text) return fail(text.error());
  if (!nlohmann::json::accept(*text)) {
    return fail(ErrorCode::kInternal, "validation_corrupt",
                fmt::format("the validation items of task {} are not valid JSON", id));
  }
  return text;
}

Result<std::shared_ptr<ml::Predictor>> TaskService::load_predictor(const std::string& id) {
  auto task = store_.get(id);  // the caller was checked by get_completed()
  if (!task) return fail(task.error());
  // A folder of its own per load (removed after it: the model is in memory then), so loads never
  // share or delete each other's files.
  TempDir dir(config_.scratch_dir / "predictors", id);
  auto blob = blobs_.get_file(task->model_key, dir.path() / "bundle.zip");
  if (!blob) {
    if (blob.error().code != ErrorCode::kNotFound) return fail(blob.error());
    return fail(ErrorCode::kConflict, "model_artifact_unavailable",
                fmt::format("the model file of task {} is missing from storage", id));
  }
  TRAINBOX_TRY(check_bundle_file(*task, dir.path() / "bundle.zip", /*with_sha256=*/true));
  auto loaded = ml::load_predictor(dir.path() / "bundle.zip", dir.path() / "unpacked");
  if (!loaded) {
    return fail(
        ErrorCode::kConflict, "model_artifact_unavailable",
        fmt::format("the model of task {} cannot be loaded: {}", id, loaded.error().message));
  }
  return std::shared_ptr<ml::Predictor>(std::move(*loaded));
}

Status TaskService::check_predict_size(size_t count) {
  if (count == 0) {
    return fail(ErrorCode::kInvalidArgument, "no_inputs", "send at least one input to predict");
  }
  if (count > static_cast<size_t>(config_.max_predict_items)) {
    return fail(ErrorCode::kPayloadTooLarge, "too_many_items",
                fmt::format("at most {} inputs per request", config_.max_predict_items));
  }
  return {};
}

Result<std::vector<ml::Prediction>> TaskService::predict_images(
    const Caller& caller, std::string_view id, const std::vector<std::string>& files, int top_k) {
  auto task = get_completed(caller, id, TaskKind::kImage);
  if (!task) return fail(task.error());
  TRAINBOX_TRY(check_predict_size(files.size()));
  TRAINBOX_TRY(check_predict_pixels(files, config_.max_predict_mpixels));
  auto predictor = predictors_.get(task->id);
  if (!predictor) return fail(predictor.error());
  return (*predictor)->predict_images(files, top_k);
}

Result<std::vector<ml::Prediction>> TaskService::predict_texts(
    const Caller& caller, std::string_view id, const std::vector<std::string>& texts, int top_k) {
  auto task = get_completed(caller, id, TaskKind::kText);
  if (!task) return fail(task.error());
  TRAINBOX_TRY(check_predict_size(texts.size()));
  auto predictor = predictors_.get(task->id);
  if (!predictor) return fail(predictor.error());
  return (*predictor)->predict_texts(texts, top_k);
}

}  // namespace trainbox::service
