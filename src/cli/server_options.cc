#include "cli/server_options.h"

#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <thread>

#include "util/log.h"

namespace trainbox::cli {
namespace fsys = std::filesystem;

namespace {
void add_limit_flags(CLI::App& command, ServerOptions& options);

// Limits checked when a dataset or a predict request arrives.
void add_intake_flags(CLI::App& command, ServerOptions& options) {
  command
      .add_option("--max-classes", options.max_classes,
                  "Most classes in a dataset (class folders or labels)")
      ->envname("TRAINBOX_MAX_CLASSES")
      ->check(CLI::Range(2, 1'000'000))
      ->capture_default_str();
  command
      .add_option("--max-csv-rows", options.max_csv_rows, "Most data rows in a text dataset CSV")
      ->envname("TRAINBOX_MAX_CSV_ROWS")
      ->check(CLI::Range(2, 1'000'000'000))
      ->capture_default_str();
  command
      .add_option("--max-predict-mpixels", options.max_predict_mpixels,
                  "Most megapixels of all images in one predict request")
      ->envname("TRAINBOX_MAX_PREDICT_MPIXELS")
      ->check(CLI::Range(0.01, 100'000.0))
      ->capture_default_str();
  command
      .add_option("--user-max-active-tasks", options.user_max_active_tasks,
                  "Tasks one user may have queued or running at once (admins: no limit; 0 = none)")
      ->envname("TRAINBOX_USER_MAX_ACTIVE_TASKS")
      ->check(CLI::Range(0, 1'000'000))
      ->capture_default_str();
  command
      .add_option("--user-max-stored-gb", options.user_max_stored_gb,
                  "Gigabytes of uploads and models one user may keep (admins: no limit; 0 = none)")
      ->envname("TRAINBOX_USER_MAX_STORED_GB")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
}
}  // namespace

namespace {
// The hard time limit and the progress watchdog of each training (jobs/task_runner.h).
void add_job_limit_flags(CLI::App& command, ServerOptions& options) {
  command
      .add_option("--time-limit-factor", options.time_limit_factor,
                  "A training is killed past its time_budget_s times this, plus 120 s (0 = only "
                  "--max-task-seconds)")
      ->envname("TRAINBOX_TIME_LIMIT_FACTOR")
      ->check(CLI::Range(0.0, 100.0))
      ->capture_default_str();
  command
      .add_option("--max-task-seconds", options.max_task_seconds,
                  "Longest any training may run, whatever its budget (0 = no cap)")
      ->envname("TRAINBOX_MAX_TASK_SECONDS")
      ->check(CLI::Range(0, 30 * 24 * 3600))
      ->capture_default_str();
  command
      .add_option("--watchdog-s", options.watchdog_s,
                  "A training that reports no progress this long is killed (0 = off)")
      ->envname("TRAINBOX_WATCHDOG_S")
      ->check(CLI::Range(0, 30 * 24 * 3600))
      ->capture_default_str();
}
}  // namespace

void add_server_flags(CLI::App& command, ServerOptions& options) {
  command.add_option("--data-dir", options.data_dir, "Folder for the database, blobs and scratch")
      ->envname("TRAINBOX_DATA_DIR")
      ->capture_default_str();
  command
      .add_option("--database-url", options.database_url,
                  "sqlite:///path/trainbox.db (default: inside --data-dir), postgresql://... or "
                  "dynamodb://TABLE?region=...")
      ->envname("TRAINBOX_DATABASE_URL");
  command
      .add_option("--database-pool-size", options.database_pool_size,
                  "PostgreSQL connections per process (0 = the URL's pool_size, default 4)")
      ->envname("TRAINBOX_DATABASE_POOL_SIZE")
      ->check(CLI::Range(0, 64))
      ->capture_default_str();
  command
      .add_option("--storage-url", options.storage_url,
                  "file:///path/blobs (default: inside --data-dir)")
      ->envname("TRAINBOX_STORAGE_URL");
  command.add_option("--queue-url", options.queue_url, "local://")
      ->envname("TRAINBOX_QUEUE_URL")
      ->capture_default_str();
  command
      .add_option("--backbones-dir", options.backbones_dir,
                  "Folder of pretrained backbones (default: <data-dir>/backbones)")
      ->envname("TRAINBOX_BACKBONES_DIR");
  command.add_option("--concurrency", options.concurrency, "Trainings run at the same time")
      ->envname("TRAINBOX_CONCURRENCY")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  command
      .add_option("--training-threads", options.training_threads,
                  "Threads per training (0 = all cores)")
      ->envname("TRAINBOX_TRAINING_THREADS")
      ->check(CLI::Range(0, 256))
      ->capture_default_str();
  add_limit_flags(command, options);
  add_job_limit_flags(command, options);
}

namespace {
// Leases, memory and dataset limits (what bounds one training), and logging.
void add_limit_flags(CLI::App& command, ServerOptions& options) {
  command
      .add_option("--lease-timeout-s", options.lease_timeout_s,
                  "A RUNNING task without a heartbeat this long is queued again (or failed)")
      ->envname("TRAINBOX_LEASE_TIMEOUT_S")
      ->check(CLI::Range(2, 3600))
      ->capture_default_str();
  command
      .add_option("--max-attempts", options.max_attempts,
                  "Claims of one task before a dying worker fails it instead of queueing it")
      ->envname("TRAINBOX_MAX_ATTEMPTS")
      ->check(CLI::Range(1, 100))
      ->capture_default_str();
  command
      .add_option("--worker-id", options.worker_id,
                  "Name on the tasks this process claims "
                  "(default: <hostname>-<pid>)")
      ->envname("TRAINBOX_WORKER_ID");
  command
      .add_option("--child-memory-mb", options.child_memory_mb,
                  "Address-space cap of each training process (0 = none)")
      ->envname("TRAINBOX_CHILD_MEMORY_MB")
      ->check(CLI::Range(0, 1 << 22))
      ->capture_default_str();
  command
      .add_option("--max-archive-mb", options.max_archive_mb,
                  "Largest dataset once unpacked (zip bombs are refused beyond it)")
      ->envname("TRAINBOX_MAX_ARCHIVE_MB")
      ->check(CLI::Range(1, 1 << 22))
      ->capture_default_str();
  command.add_option("--max-zip-entries", options.max_zip_entries, "Most files in a dataset zip")
      ->envname("TRAINBOX_MAX_ZIP_ENTRIES")
      ->check(CLI::Range(1, 100'000'000))
      ->capture_default_str();
  command
      .add_option("--max-image-mpixels", options.max_image_mpixels,
                  "Largest image, in megapixels (decompression bombs are refused)")
      ->envname("TRAINBOX_MAX_IMAGE_MPIXELS")
      ->check(CLI::Range(0.01, 1000.0))
      ->capture_default_str();
  add_intake_flags(command, options);
  command.add_option("--log-level", options.log_level, "trace|debug|info|warn|error")
      ->envname("TRAINBOX_LOG_LEVEL")
      ->capture_default_str();
}
}  // namespace

std::string default_worker_id() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  return fmt::format("{}-{}", host[0] ? host.data() : "worker", getpid());
}

Result<std::string> database_url(const ServerOptions& options) {
  fsys::path data_dir = fsys::absolute(options.data_dir);
  std::error_code error;
  fsys::create_directories(data_dir, error);
  if (error) {
    return fail(ErrorCode::kUnavailable, "data_dir_unavailable",
                "cannot create data dir " + data_dir.string() + ": " + error.message());
  }
  std::string db_url = options.database_url.empty()
                           ? "sqlite://" + (data_dir / "trainbox.db").string()
                           : options.database_url;
  if (options.database_pool_size > 0 && db_url.starts_with("postgres")) {
    db_url += fmt::format("{}pool_size={}", db_url.find('?') == std::string::npos ? '?' : '&',
                          options.database_pool_size);
  }
  return db_url;
}

Result<std::unique_ptr<db::UserStore>> open_users(const ServerOptions& options) {
  auto db_url = database_url(options);
  if (!db_url) return fail(db_url.error());
  return db::open_user_store(*db_url);
}

Result<std::unique_ptr<Backends>> open_backends(const ServerOptions& options) {
  auto db_url = database_url(options);
  if (!db_url) return fail(db_url.error());
  fsys::path data_dir = fsys::absolute(options.data_dir);
  auto backends = std::make_unique<Backends>();
  std::string blob_url =
      options.storage_url.empty() ? "file://" + (data_dir / "blobs").string() : options.storage_url;
  auto store = db::open_task_store(*db_url);
  if (!store) return fail(store.error());
  auto blobs = storage::open_blob_store(blob_url);
  if (!blobs) return fail(blobs.error());
  auto queue = queue::open_job_queue(options.queue_url);
  if (!queue) return fail(queue.error());
  backends->store = std::move(*store);
  backends->blobs = std::move(*blobs);
  backends->queue = std::move(*queue);
  service::ServiceConfig config;
  config.scratch_dir = data_dir / "scratch";
  config.lease_timeout_ms = int64_t{options.lease_timeout_s} * 1000;
  config.max_attempts = options.max_attempts;
  config.worker_id = options.worker_id.empty() ? default_worker_id() : options.worker_id;
  config.intake.enabled = true;
  config.intake.dataset.max_archive_bytes = options.max_archive_mb << 20;
  config.intake.dataset.max_entries = options.max_zip_entries;
  config.intake.max_classes = options.max_classes;
  config.intake.max_csv_rows = options.max_csv_rows;
  config.max_predict_mpixels = options.max_predict_mpixels;
  config.user_limits.max_active_tasks = options.user_max_active_tasks;
  config.user_limits.max_stored_bytes = static_cast<int64_t>(options.user_max_stored_gb * 1e9);
  backends->service = std::make_unique<service::TaskService>(
      *backends->store, *backends->blobs, *backends->queue, backends->clock, config);
  return backends;
}

Result<std::unique_ptr<Backends>> open_backends_waiting(const ServerOptions& options,
                                                        std::chrono::seconds patience) {
  auto deadline = std::chrono::steady_clock::now() + patience;
  while (true) {
    auto backends = open_backends(options);
    if (backends || backends.error().code != ErrorCode::kUnavailable ||
        std::chrono::steady_clock::now() >= deadline) {
      return backends;
    }
    TRAINBOX_LOG_WARN("{}; retrying in 2 s", backends.error().message);
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
}

fsys::path backbones_dir(const ServerOptions& options) {
  return options.backbones_dir.empty() ? fsys::absolute(options.data_dir) / "backbones"
                                       : fsys::path(options.backbones_dir);
}

jobs::WorkerConfig worker_config(const ServerOptions& options) {
  fsys::path data_dir = fsys::absolute(options.data_dir);
  jobs::WorkerConfig config;
  config.concurrency = options.concurrency;
  config.reaper_period =
      std::chrono::milliseconds(std::clamp(options.lease_timeout_s * 1000 / 3, 500, 5000));
  config.runner.executable = fsys::read_symlink("/proc/self/exe");
  config.runner.work_root = data_dir / "work";
  config.runner.backbones_dir = backbones_dir(options);
  config.runner.threads = options.training_threads;
  config.runner.limits.max_archive_bytes = options.max_archive_mb << 20;
  config.runner.limits.max_entries = options.max_zip_entries;
  config.runner.limits.max_image_pixels = static_cast<uint64_t>(options.max_image_mpixels * 1e6);
  // Beats well inside the lease: with a 2 s lease a 2 s beat raced the reaper in quiet phases.
  config.runner.heartbeat_interval =
      std::chrono::milliseconds(std::clamp(options.lease_timeout_s * 1000 / 4, 250, 2000));
  config.runner.time_limit_factor = options.time_limit_factor;
  config.runner.max_task = std::chrono::seconds(options.max_task_seconds);
  config.runner.watchdog = std::chrono::seconds(options.watchdog_s);
#if defined(__SANITIZE_ADDRESS__)
  config.runner.child_memory_limit_bytes = 0;  // ASan reserves terabytes of address space
#else
  config.runner.child_memory_limit_bytes = uint64_t(options.child_memory_mb) << 20;
#endif
  return config;
}

void block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

int wait_for_stop_signal() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  int received = 0;
  sigwait(&set, &received);
  return received;
}

}  // namespace trainbox::cli
