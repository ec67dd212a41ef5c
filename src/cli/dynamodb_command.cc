// `trainbox dynamodb create-table --database-url dynamodb://TABLE?...`: makes the table the
// DynamoDB stores use (key, indexes, on-demand billing; docs/dynamodb.md) and waits until it is
// ACTIVE, so a deployment creates it once instead of every process racing with create_table=1.

#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/logging.h"
#include "db/dynamodb_table.h"

namespace trainbox::cli {
namespace {

int create_table(const std::string& url) {
  setup_logging("warn");
  auto client = db::dynamodb_client_from_url(url);
  auto created = client ? db::create_dynamodb_table(*client) : Status(fail(client.error()));
  if (!created && created.error().slug == "table_exists") {
    std::printf("table %s already exists at %s\n", client->table().c_str(),
                client->config().endpoint().c_str());
    return 0;
  }
  if (!created) {
    std::fprintf(stderr, "error: %s: %s\n", created.error().slug.c_str(),
                 created.error().message.c_str());
    return 1;
  }
  std::printf("created table %s at %s (ACTIVE)\n", client->table().c_str(),
              client->config().endpoint().c_str());
  return 0;
}

}  // namespace

Command add_dynamodb_command(CLI::App& app) {
  auto url = std::make_shared<std::string>();
  auto* command = app.add_subcommand("dynamodb", "Manage the DynamoDB table of the stores");
  command->require_subcommand(1);
  auto* create = command->add_subcommand(
      "create-table", "Create the table (key, indexes, on-demand billing) and wait until ACTIVE");
  create
      ->add_option("--database-url", *url,
                   "dynamodb://TABLE?region=REGION[&endpoint=http://HOST:PORT] "
                   "(env TRAINBOX_DATABASE_URL; credentials from the AWS_* variables)")
      ->envname("TRAINBOX_DATABASE_URL")
      ->required();
  return [url, create]() -> int { return create->parsed() ? create_table(*url) : 1; };
}

}  // namespace trainbox::cli
