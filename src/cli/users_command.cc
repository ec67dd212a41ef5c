// `trainbox users add NAME [--admin] | list | remove NAME | token NAME`: the accounts, in the
// database the server uses (--data-dir or --database-url). `add` and `token` print the new API
// token on their last line, the only time it is shown.

#include <fmt/format.h>

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/logging.h"
#include "cli/server_options.h"
#include "service/accounts.h"
#include "util/clock.h"
#include "util/log.h"

namespace trainbox::cli {
namespace {

struct UsersOptions {
  std::string data_dir = "./trainbox-data";
  std::string database_url;
  std::string name;
  bool admin = false;
};

int report(const Error& error) {
  std::fprintf(stderr, "trainbox users: %s\n", error.message.c_str());
  return error.code == ErrorCode::kNotFound || error.code == ErrorCode::kConflict ||
                 error.code == ErrorCode::kInvalidArgument
             ? 2
             : 1;
}

// Runs `action` on the accounts of the options' database.
template <class Action>
int with_accounts(const UsersOptions& options, Action action) {
  setup_logging("warn");
  ServerOptions server;
  server.data_dir = options.data_dir;
  server.database_url = options.database_url;
  auto users = open_users(server);
  if (!users) return report(users.error());
  SystemClock clock;
  service::Accounts accounts(**users, clock, service::AuthMode::kTokens);
  return action(accounts);
}

int print_token(const Result<service::IssuedToken>& issued, const char* what) {
  if (!issued) return report(issued.error());
  std::printf(
      "%s '%s'%s. Its API token (shown once; send it as 'Authorization: Bearer ...'):\n%s\n", what,
      issued->user.name.c_str(), issued->user.is_admin ? " (admin)" : "", issued->token.c_str());
  return 0;
}

int list(service::Accounts& accounts) {
  auto users = accounts.list_users();
  if (!users) return report(users.error());
  std::printf("%-24s %-6s %-24s %s\n", "NAME", "ADMIN", "CREATED", "TOKEN ISSUED");
  for (const auto& user : *users) {
    std::printf("%-24s %-6s %-24s %s\n", user.name.c_str(), user.is_admin ? "yes" : "no",
                format_iso8601(user.created_at_ms).c_str(),
                format_iso8601(user.token_issued_at_ms).c_str());
  }
  return 0;
}

void add_database_flags(CLI::App& command, UsersOptions& options) {
  command.add_option("--data-dir", options.data_dir, "The server's data folder")
      ->envname("TRAINBOX_DATA_DIR")
      ->capture_default_str();
  command
      .add_option("--database-url", options.database_url,
                  "The server's database (default: the SQLite file inside --data-dir)")
      ->envname("TRAINBOX_DATABASE_URL");
}

CLI::App* add_named(CLI::App& parent, const char* name, const char* help, UsersOptions& options) {
  auto* command = parent.add_subcommand(name, help);
  command->add_option("NAME", options.name, "User name")->required();
  add_database_flags(*command, options);
  return command;
}

}  // namespace

Command add_users_command(CLI::App& app) {
  auto options = std::make_shared<UsersOptions>();
  auto* users = app.add_subcommand("users", "Manage the accounts of the API");
  users->require_subcommand(1);
  auto* add = add_named(*users, "add", "Add a user and print their API token", *options);
  add->add_flag("--admin", options->admin, "Sees and acts on every task, no per-user limits");
  auto* listing = users->add_subcommand("list", "List the users");
  add_database_flags(*listing, *options);
  add_named(*users, "remove", "Remove a user (their tasks stay, visible to admins)", *options);
  add_named(*users, "token", "Issue a new API token for a user (the old one stops working)",
            *options);
  return [options, users] {
    std::string action = users->get_subcommands().front()->get_name();
    return with_accounts(*options, [&](service::Accounts& accounts) {
      if (action == "add") {
        return print_token(accounts.add_user(options->name, options->admin), "Added user");
      }
      if (action == "token")
        return print_token(accounts.rotate_token(options->name), "New token for");
      if (action == "remove") {
        auto removed = accounts.remove_user(options->name);
        if (!removed) return report(removed.error());
        std::printf("Removed user '%s'; their tasks stay, visible to admins.\n",
                    options->name.c_str());
        return 0;
      }
      return list(accounts);
    });
  };
}

}  // namespace trainbox::cli
