// `trainbox backbones list | convert`: what pretrained backbones are installed, and the offline
// converter that makes them from TF.js layers models (scripts/install_backbones.sh calls it).

#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/logging.h"
#include "ml/backbones.h"

namespace trainbox::cli {
namespace {

struct BackbonesArgs {
  std::string dir;
  bool json = false;
  ml::ConvertBackboneRequest convert;
  std::string out_dir, tfjs_dir;
};

std::string default_backbones_dir() {
  const char* env = std::getenv("TRAINBOX_BACKBONES_DIR");
  return env != nullptr && *env != '\0' ? env : "./trainbox-data/backbones";
}

int list(const BackbonesArgs& args) {
  auto backbones = ml::list_backbones(args.dir);
  if (args.json) {
    std::printf("%s\n", nlohmann::json(backbones).dump(2).c_str());
    return 0;
  }
  if (backbones.empty()) {
    std::printf("no backbones installed in %s (make backbones installs them)\n", args.dir.c_str());
    return 0;
  }
  std::printf("%-16s %5s %8s %7s %8s  %s\n", "NAME", "SIZE", "FEATURES", "GFLOPS", "MB", "SOURCE");
  for (const auto& b : backbones) {
    if (b.contains("error")) {
      std::printf("%-16s  unreadable: %s\n", b["name"].get<std::string>().c_str(),
                  b["error"].get<std::string>().c_str());
      continue;
    }
    const auto& src = b.value("source", nlohmann::json::object());
    std::string source = src.empty()
                             ? "unknown"
                             : src.value("package", "?") + "@" + src.value("version", "?") + " " +
                                   src.value("model_path", "") + " (" + src.value("licence", "?") +
                                   ", " + src.value("format", "?") + ", weights " +
                                   src.value("quantization", "?") + ")";
    std::printf("%-16s %5d %8d %7.2f %8.1f  %s\n", b["name"].get<std::string>().c_str(),
                b.value("input_size", 0), b.value("feature_dim", 0), b.value("feature_gflops", 0.0),
                b.value("pt_bytes", 0.0) / 1e6, source.c_str());
  }
  return 0;
}

int convert(BackbonesArgs& args) {
  setup_logging("warn");
  args.convert.out_dir = args.out_dir;
  args.convert.tfjs_dir = args.tfjs_dir;
  auto meta = ml::convert_tfjs_backbone(args.convert);
  if (!meta) {
    std::fprintf(stderr, "error: %s: %s\n", meta.error().slug.c_str(),
                 meta.error().message.c_str());
    return 1;
  }
  std::printf("installed backbone %s in %s: %dx%d input, %d features at '%s', %.2f GFLOP/image\n",
              args.convert.name.c_str(), args.out_dir.c_str(), (*meta)["input_size"].get<int>(),
              (*meta)["input_size"].get<int>(), (*meta)["feature_dim"].get<int>(),
              (*meta)["feature_layer"].get<std::string>().c_str(),
              (*meta)["feature_gflops"].get<double>());
  return 0;
}

}  // namespace

Command add_backbones_command(CLI::App& app) {
  auto args = std::make_shared<BackbonesArgs>();
  args->dir = default_backbones_dir();
  auto* command = app.add_subcommand("backbones", "List or convert pretrained backbones");
  command->require_subcommand(1);

  auto* list_command = command->add_subcommand("list", "Show the installed backbones");
  list_command
      ->add_option("--backbones-dir", args->dir,
                   "Backbones folder (env TRAINBOX_BACKBONES_DIR, else ./trainbox-data/backbones)")
      ->capture_default_str();
  list_command->add_flag("--json", args->json, "Print the full JSON of each backbone");

  auto* convert_command =
      command->add_subcommand("convert", "Convert a TF.js layers model into a backbone");
  auto& c = args->convert;
  convert_command->add_option("--tfjs-dir", args->tfjs_dir, "Folder with model.json and shards")
      ->required()
      ->check(CLI::ExistingDirectory);
  convert_command->add_option("--name", c.name, "Backbone name (a-z, 0-9, _)")->required();
  convert_command->add_option("--out", args->out_dir, "Backbones folder")->required();
  convert_command->add_option("--feature-layer", c.feature_layer,
                              "Layer whose output is the feature vector (default: first rank-2)");
  convert_command->add_option("--package", c.package, "Provenance: npm package")->required();
  convert_command->add_option("--package-version", c.package_version, "Provenance: version")
      ->required();
  convert_command->add_option("--licence", c.licence, "Provenance: licence")->required();
  convert_command->add_option("--model-path", c.model_path, "Provenance: path in the package");
  convert_command->add_option("--mean", c.mean, "Input mean after x/255 (3 values)")->expected(3);
  convert_command->add_option("--std", c.std, "Input std after x/255 (3 values)")->expected(3);

  return [args, list_command, convert_command]() -> int {
    if (list_command->parsed()) return list(*args);
    if (convert_command->parsed()) return convert(*args);
    return 1;
  };
}

}  // namespace trainbox::cli
