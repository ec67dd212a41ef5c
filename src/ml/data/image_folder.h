#pragma once
// Plans an ImageFolder dataset from its file list: drops OS junk, strips one enclosing folder,
// finds class folders and an explicit train/ + val/ (or test/) split. Torch-free, no I/O.

#include <cstdint>
#include <string>
#include <vector>

#include "util/result.h"

namespace trainbox::ml::data {

struct PlannedFile {
  std::string path;  // as given (zip entry name or relative path)
  int label = 0;     // index into FolderPlan::classes
  bool val = false;  // only meaningful when FolderPlan::explicit_split
};

struct FolderPlan {
  std::vector<std::string> classes;  // sorted, as ImageFolder does
  std::vector<PlannedFile> files;
  bool explicit_split = false;
  std::vector<std::string> warnings;
};

// True when the name ends in an image extension (.jpg, .png, .webp, .bmp, .gif...), any case.
bool has_image_extension(const std::string& name);

// True for __MACOSX/, hidden files and folders, Thumbs.db, desktop.ini.
bool is_os_junk(const std::string& path);

// `paths` are '/'-separated relative file paths (directories may be included; they are skipped).
// Fails with kInvalidArgument "dataset_too_few_classes" when fewer than 2 class folders hold
// images, and with "invalid_class_name" when a class folder's name cannot be a label (see
// label_problem in util/utf8.h).
Result<FolderPlan> plan_image_folder(const std::vector<std::string>& paths);

// Marks about `fraction` of each class as validation (at least 1 when the class has 2+ items,
// never all of it), deterministically for a given seed.
std::vector<bool> stratified_split(const std::vector<int>& labels, double fraction, uint64_t seed);

}  // namespace trainbox::ml::data
