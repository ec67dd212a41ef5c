// trainbox: one binary, subcommands serve | worker | train | predict | backbones | users |
// dynamodb.

#include <map>

#include "cli/commands.h"
#include "cli/logging.h"

int main(int argc, char** argv) {
  CLI::App app{"trainbox: train image and text classifiers from labelled examples"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string(TRAINBOX_VERSION));
  std::map<CLI::App*, trainbox::cli::Command> commands;
  auto add = [&](auto make) {
    auto command = make(app);
    commands[app.get_subcommands({}).back()] = command;
  };
  add(trainbox::cli::add_serve_command);
  add(trainbox::cli::add_worker_command);
  add(trainbox::cli::add_train_command);
  add(trainbox::cli::add_predict_command);
  add(trainbox::cli::add_training_child_command);
  add(trainbox::cli::add_backbones_command);
  add(trainbox::cli::add_users_command);
  add(trainbox::cli::add_dynamodb_command);
  CLI11_PARSE(app, argc, argv);
  for (auto* sub : app.get_subcommands()) {
    if (auto it = commands.find(sub); it != commands.end()) return it->second();
  }
  return 1;
}
