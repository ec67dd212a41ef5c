#include "jobs/training_child.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <new>

#include "core/task_json.h"
#include "jobs/child_protocol.h"
#include "ml/api.h"
#include "util/fs.h"

namespace trainbox::jobs {
namespace {

std::atomic<bool> g_stop_requested{false};  // set from the signal handler only

extern "C" void on_stop_signal(int) { g_stop_requested.store(true); }

class ProtocolWriter {
 public:
  void send(const nlohmann::json& message) {
    std::lock_guard lock(mutex_);
    std::string line = message.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fflush(stdout);
  }
  // Progress is forwarded at most 4 times a second, except phase changes.
  void progress(const ml::TrainProgress& progress) {
    auto now = std::chrono::steady_clock::now();
    if (progress.phase == last_phase_ && now - last_sent_ < std::chrono::milliseconds(250)) return;
    last_phase_ = progress.phase;
    last_sent_ = now;
    core::Progress out{progress.phase,  progress.fraction, progress.epoch,
                       progress.epochs, progress.eta_s,    progress.live};
    send({{"type", "progress"}, {"progress", core::to_json(out)}});
  }
  void error(const Error& error) {
    send({{"type", "error"},
          {"code", error_code_name(error.code)},
          {"slug", error.slug},
          {"message", error.message}});
  }

 private:
  std::mutex mutex_;
  std::string last_phase_;
  std::chrono::steady_clock::time_point last_sent_{};
};

Result<ml::TrainRequest> make_request(const TrainingChildArgs& args) {
  auto options_text = read_file(args.options_file);
  if (!options_text) return fail(options_text.error());
  auto file = nlohmann::json::parse(*options_text, nullptr, false);
  if (file.is_discarded() || !file.is_object()) file = nlohmann::json::object();
  auto options = ml::parse_train_options(file.value("options", nlohmann::json::object()));
  if (!options) return fail(options.error());
  ml::TrainRequest request;
  request.kind = args.kind == "text" ? ml::TaskKind::kText : ml::TaskKind::kImage;
  request.dataset = args.dataset;
  request.options = *options;
  request.work_dir = args.work_dir;
  request.bundle_path = args.bundle;
  request.backbones_dir = args.backbones_dir;
  request.threads = args.threads;
  request.limits = ml::dataset_limits_from_json(file.value("limits", nlohmann::json::object()));
  return request;
}

int train_and_report(const TrainingChildArgs& args, ProtocolWriter& writer) {
  auto request = make_request(args);
  if (!request) {
    writer.error(request.error());
    return kChildFailedExit;
  }
  ml::TrainHooks hooks;
  hooks.report = [&](const ml::TrainProgress& progress) { writer.progress(progress); };
  hooks.dataset_ready = [&](const ml::DatasetSummary& summary) {
    writer.send(
        {{"type", "dataset"}, {"dataset", ml::to_json(summary)}, {"classes", summary.classes}});
  };
  hooks.should_stop = [] { return g_stop_requested.load(); };
  auto result = ml::train(*request, hooks);
  if (!result) {
    writer.error(result.error());
    return result.error().code == ErrorCode::kCancelled ? kChildCancelledExit : kChildFailedExit;
  }
  writer.send({{"type", "result"}, {"metrics", result->metrics}});
  return 0;
}

}  // namespace

int run_training_child(const TrainingChildArgs& args) {
  struct sigaction action = {};
  action.sa_handler = on_stop_signal;
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
  ProtocolWriter writer;
  try {
    return train_and_report(args, writer);
  } catch (const std::bad_alloc&) {
    writer.error({ErrorCode::kInternal, "out_of_memory",
                  "training ran out of memory; use fewer or smaller images, or a smaller model"});
  } catch (const std::exception& error) {
    writer.error({ErrorCode::kInternal, "training_crashed",
                  std::string("training failed unexpectedly: ") + error.what()});
  }
  return kChildFailedExit;
}

}  // namespace trainbox::jobs
