// `trainbox predict bundle.zip INPUT...`: predictions from a bundle, as the server makes them.

#include <cstdio>

#include "cli/commands.h"
#include "cli/logging.h"
#include "ml/api.h"
#include "ml/prediction_json.h"
#include "util/fs.h"

namespace trainbox::cli {
namespace {
namespace fsys = std::filesystem;

struct PredictArgs {
  std::string bundle;
  std::vector<std::string> inputs;
  std::vector<std::string> texts;
  int top_k = 3;
  bool json = false;
};

int predict(const PredictArgs& args) {
  setup_logging("warn");
  TempDir scratch(fsys::temp_directory_path(), "trainbox-predict");
  auto predictor = ml::load_predictor(args.bundle, scratch.path());
  if (!predictor) {
    std::fprintf(stderr, "error: %s\n", predictor.error().message.c_str());
    return 1;
  }
  bool text = (*predictor)->kind() == ml::TaskKind::kText;
  std::vector<std::string> names = text ? args.texts : args.inputs;
  if (text) names.insert(names.end(), args.inputs.begin(), args.inputs.end());
  Result<std::vector<ml::Prediction>> predictions = std::vector<ml::Prediction>();
  if (text) {
    predictions = (*predictor)->predict_texts(names, args.top_k);
  } else {
    std::vector<std::string> files;
    for (const auto& path : args.inputs) {
      auto bytes = read_file(path);
      if (!bytes) {
        std::fprintf(stderr, "error: %s\n", bytes.error().message.c_str());
        return 1;
      }
      files.push_back(std::move(*bytes));
    }
    predictions = (*predictor)->predict_images(files, args.top_k);
  }
  if (!predictions) {
    std::fprintf(stderr, "error: %s\n", predictions.error().message.c_str());
    return 1;
  }
  if (args.json) {
    std::printf("%s\n", ml::predictions_json(*predictions).dump().c_str());
    return 0;
  }
  for (size_t i = 0; i < predictions->size(); ++i) {
    const auto& prediction = (*predictions)[i];
    std::printf("%s\t%s\t%.4f\n", names[i].c_str(), prediction.label.c_str(), prediction.score);
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto args = std::make_shared<PredictArgs>();
  auto* command = app.add_subcommand("predict", "Predict images or texts with a bundle");
  command->add_option("bundle", args->bundle, "Bundle zip from train or GET /tasks/{id}/model")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("inputs", args->inputs, "Image files (or texts, for a text bundle)");
  command->add_option("--text", args->texts, "A text to classify (repeatable)");
  command->add_option("--top-k", args->top_k, "Classes to list per input")->capture_default_str();
  command->add_flag("--json", args->json, "Print the API's JSON shape");
  return [args] {
    if (args->inputs.empty() && args->texts.empty()) {
      std::fprintf(stderr, "error: give image files or --text\n");
      return 2;
    }
    return predict(*args);
  };
}

}  // namespace trainbox::cli
