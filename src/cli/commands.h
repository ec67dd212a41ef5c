#pragma once
// Each subcommand registers its flags on the CLI11 app and returns the function that runs it.

#include <CLI/CLI.hpp>
#include <functional>

namespace trainbox::cli {

using Command = std::function<int()>;

Command add_serve_command(CLI::App& app);
Command add_worker_command(CLI::App& app);
Command add_train_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_training_child_command(CLI::App& app);
Command add_backbones_command(CLI::App& app);
Command add_users_command(CLI::App& app);
Command add_dynamodb_command(CLI::App& app);

}  // namespace trainbox::cli
