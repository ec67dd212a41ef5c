#pragma once
// The options shared by `serve` and `worker`: one flag table, each flag with a TRAINBOX_*
// environment twin and its default shown in --help. Also opens the backends they name.

#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "db/task_store.h"
#include "db/user_store.h"
#include "jobs/worker.h"
#include "queue/job_queue.h"
#include "service/task_service.h"
#include "storage/blob_store.h"
#include "util/clock.h"

namespace trainbox::cli {

struct ServerOptions {
  std::string data_dir = "./trainbox-data";
  std::string database_url;    // default: sqlite://<data-dir>/trainbox.db
  int database_pool_size = 0;  // PostgreSQL connections; 0: the URL's pool_size (default 4)
  std::string storage_url;     // default: file://<data-dir>/blobs
  std::string queue_url = "local://";
  std::string backbones_dir;
  int concurrency = 1;
  int training_threads = 0;
  int lease_timeout_s = 30;
  int max_attempts = 3;
  std::string worker_id;  // default: <hostname>-<pid>
  int child_memory_mb = 16384;
  std::string log_level = "info";
  uint64_t max_archive_mb = 4096;
  uint64_t max_zip_entries = 200'000;
  double max_image_mpixels = 40;
  // Hard limits of one training (jobs::RunnerConfig): budget × factor + grace, capped; watchdog.
  double time_limit_factor = 2;
  int max_task_seconds = 8 * 3600;
  int watchdog_s = 300;
  size_t max_classes = 1000;
  uint64_t max_csv_rows = 1'000'000;
  double max_predict_mpixels = 200;
  // Per-user limits (admins are exempt; 0 = none).
  int user_max_active_tasks = 10;
  double user_max_stored_gb = 50;
};

void add_server_flags(CLI::App& command, ServerOptions& options);
std::string default_worker_id();  // <hostname>-<pid>

// Everything `serve` and `worker` run on, opened from ServerOptions.
struct Backends {
  std::unique_ptr<db::TaskStore> store;
  std::unique_ptr<storage::BlobStore> blobs;
  std::unique_ptr<queue::JobQueue> queue;
  SystemClock clock;
  std::unique_ptr<service::TaskService> service;
};

Result<std::unique_ptr<Backends>> open_backends(const ServerOptions& options);
// --database-url, or the SQLite file inside --data-dir (created if needed).
Result<std::string> database_url(const ServerOptions& options);
// The accounts in the database of database_url(options).
Result<std::unique_ptr<db::UserStore>> open_users(const ServerOptions& options);
// open_backends, retried while a backend is unreachable (kUnavailable: a database or queue still
// starting) for up to `patience`, so the processes of a cluster can start in any order.
Result<std::unique_ptr<Backends>> open_backends_waiting(const ServerOptions& options,
                                                        std::chrono::seconds patience);
jobs::WorkerConfig worker_config(const ServerOptions& options);
// --backbones-dir, or <data-dir>/backbones when it is not given.
std::filesystem::path backbones_dir(const ServerOptions& options);

// Blocks SIGINT/SIGTERM in this and later threads; wait_for_stop_signal() returns on either.
void block_stop_signals();
int wait_for_stop_signal();

}  // namespace trainbox::cli
