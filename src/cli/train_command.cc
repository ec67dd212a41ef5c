// `trainbox train DATASET --out bundle.zip`: the same training as the server, without a server.
// A progress bar on a terminal, one line per phase or epoch otherwise.

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/logging.h"
#include "ml/api.h"
#include "util/fs.h"

namespace trainbox::cli {
namespace {
namespace fsys = std::filesystem;

struct TrainArgs {
  std::string dataset;
  std::string out = "bundle.zip";
  std::string kind;  // default: by the dataset's extension
  std::string options_json;
  std::string backbones_dir;
  int threads = 0;
};

std::string progress_line(const ml::TrainProgress& progress) {
  int filled = static_cast<int>(progress.fraction * 30);
  std::string bar(static_cast<size_t>(std::clamp(filled, 0, 30)), '#');
  bar.resize(30, '.');
  std::string line = fmt::format("[{}] {:3.0f}% {}", bar, progress.fraction * 100, progress.phase);
  if (progress.epochs > 0) line += fmt::format(" epoch {}/{}", progress.epoch, progress.epochs);
  if (progress.live.contains("loss"))
    line += fmt::format(" loss {:.3f}", progress.live["loss"].get<double>());
  if (progress.live.contains("accuracy")) {
    line += fmt::format(" acc {:.3f}", progress.live["accuracy"].get<double>());
  }
  if (progress.eta_s >= 0) line += fmt::format(" ETA {:.0f}s", progress.eta_s);
  return line;
}

// The model search's leaderboard, one line per candidate, on stderr (stdout stays one JSON line).
void print_leaderboard(const nlohmann::json& board) {
  if (board.empty()) return;
  std::fprintf(stderr, "leaderboard (validation accuracy, seconds):\n");
  for (const auto& row : board) {
    std::string name = row.value("candidate", "");
    std::string why = row.value("why", "");
    if (row["val_accuracy"].is_number()) {
      std::fprintf(stderr, "  %-40s %.4f %7.1f s  %s%s\n", name.c_str(),
                   row["val_accuracy"].get<double>(), row["seconds"].get<double>(),
                   row.value("kept", false) ? "kept: " : "", why.c_str());
    } else {
      std::fprintf(stderr, "  %-40s skipped: %s\n", name.c_str(), why.c_str());
    }
  }
}

// Progress on stderr: one rewritten line on a terminal, else a line per phase and epoch.
ml::TrainHooks console_hooks(bool terminal, std::string& last_key) {
  ml::TrainHooks hooks;
  hooks.dataset_ready = [](const ml::DatasetSummary& summary) {
    std::fprintf(stderr, "dataset: %d items in %zu classes\n", summary.num_items,
                 summary.classes.size());
    for (const auto& warning : summary.warnings)
      std::fprintf(stderr, "warning: %s\n", warning.c_str());
  };
  hooks.report = [terminal, &last_key](const ml::TrainProgress& progress) {
    std::string line = progress_line(progress);
    if (terminal) {
      std::fprintf(stderr, "\r%-100s", line.c_str());
      return;
    }
    std::string key = progress.phase + std::to_string(progress.epoch);
    if (key != last_key) std::fprintf(stderr, "%s\n", line.c_str());
    last_key = key;
  };
  return hooks;
}

int train(const TrainArgs& args) {
  setup_logging("warn");
  auto options_json = nlohmann::json::object();
  if (!args.options_json.empty()) {
    options_json = nlohmann::json::parse(args.options_json, nullptr, false);
    if (options_json.is_discarded()) {
      std::fprintf(stderr, "error: --options must be a JSON object\n");
      return 2;
    }
  }
  auto options = ml::parse_train_options(options_json);
  if (!options) {
    std::fprintf(stderr, "error: %s\n", options.error().message.c_str());
    return 2;
  }
  TempDir work(fsys::temp_directory_path(), "trainbox-train");
  ml::TrainRequest request;
  bool is_text =
      args.kind == "text" || (args.kind.empty() && fsys::path(args.dataset).extension() == ".csv");
  request.kind = is_text ? ml::TaskKind::kText : ml::TaskKind::kImage;
  request.dataset = args.dataset;
  request.options = *options;
  request.work_dir = work.path();
  request.bundle_path = fsys::absolute(args.out);
  request.backbones_dir = args.backbones_dir;
  request.threads = args.threads;

  bool terminal = ::isatty(STDERR_FILENO) != 0;
  std::string last_key;
  ml::TrainHooks hooks = console_hooks(terminal, last_key);
  auto result = ml::train(request, hooks);
  if (terminal) std::fprintf(stderr, "\n");
  if (!result) {
    std::fprintf(stderr, "error: %s\n", result.error().message.c_str());
    return 1;
  }
  print_leaderboard(result->metrics.value("leaderboard", nlohmann::json::array()));
  std::printf("%s\n", nlohmann::json({{"bundle", request.bundle_path.string()},
                                      {"classes", result->dataset.classes},
                                      {"val_accuracy", result->metrics.value("val_accuracy", 0.0)},
                                      {"model", result->metrics.value("model", nlohmann::json())}})
                          .dump()
                          .c_str());
  return 0;
}

}  // namespace

Command add_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  auto* command = app.add_subcommand("train", "Train locally from a dataset, no server needed");
  command
      ->add_option("dataset", args->dataset,
                   "Image folder or .zip (one sub-folder per class), or a .csv")
      ->required()
      ->check(CLI::ExistingPath);
  command->add_option("--out", args->out, "Where to write the bundle")->capture_default_str();
  command->add_option("--kind", args->kind, "image | text (default: .csv is text)")
      ->check(CLI::IsMember({"image", "text"}));
  command->add_option("--options", args->options_json,
                      "Training options as JSON, e.g. {\"epochs\":5}");
  command->add_option("--backbones-dir", args->backbones_dir, "Folder of pretrained backbones")
      ->envname("TRAINBOX_BACKBONES_DIR");
  command->add_option("--threads", args->threads, "Threads (0 = all cores)");
  return [args] { return train(*args); };
}

}  // namespace trainbox::cli
