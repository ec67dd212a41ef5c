// `trainbox _train-child`: internal; the worker runs each training in such a child process.

#include "cli/commands.h"
#include "cli/logging.h"
#include "jobs/training_child.h"

namespace trainbox::cli {

Command add_training_child_command(CLI::App& app) {
  auto args = std::make_shared<jobs::TrainingChildArgs>();
  auto* command = app.add_subcommand("_train-child", "");  // empty description: hidden
  command->add_option("--kind", args->kind)->required();
  command->add_option("--dataset", args->dataset)->required();
  command->add_option("--options-file", args->options_file)->required();
  command->add_option("--work-dir", args->work_dir)->required();
  command->add_option("--bundle", args->bundle)->required();
  command->add_option("--backbones-dir", args->backbones_dir);
  command->add_option("--threads", args->threads);
  return [args] {
    setup_logging("info");
    return jobs::run_training_child(*args);
  };
}

}  // namespace trainbox::cli
