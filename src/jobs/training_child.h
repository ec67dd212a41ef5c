#pragma once
// The entry point of the training child process (`trainbox _train-child ...`): runs ml::train and
// reports over the child protocol. SIGTERM asks it to stop; it then exits kChildCancelledExit.

#include <filesystem>
#include <string>

namespace trainbox::jobs {

struct TrainingChildArgs {
  std::string kind;  // "image" | "text"
  std::filesystem::path dataset;
  std::filesystem::path options_file;  // {"options": {...}, "limits": {...}}
  std::filesystem::path work_dir;
  std::filesystem::path bundle;
  std::filesystem::path backbones_dir;
  int threads = 0;
};

int run_training_child(const TrainingChildArgs& args);

}  // namespace trainbox::jobs
