#include "ml/data/image_folder.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <set>

#include "util/utf8.h"

namespace trainbox::ml::data {
namespace {

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

bool is_split_name(const std::string& name, bool val) {
  if (!val) return name == "train";
  return name == "val" || name == "valid" || name == "validation" || name == "test";
}

struct Candidate {
  std::string path;
  std::vector<std::string> parts;
};

// Removes enclosing folders shared by every file while each file is still 2+ levels deep below.
void strip_enclosing_folders(std::vector<Candidate>& files) {
  while (!files.empty()) {
    const std::string& first = files[0].parts[0];
    bool shared = std::all_of(files.begin(), files.end(), [&](const Candidate& c) {
      return c.parts.size() >= 3 && c.parts[0] == first;
    });
    if (!shared || is_split_name(first, false) || is_split_name(first, true)) return;
    for (auto& c : files) c.parts.erase(c.parts.begin());
  }
}

bool detect_split(const std::vector<Candidate>& files) {
  bool train = false, val = false;
  for (const auto& c : files) {
    if (c.parts.size() < 3) continue;
    train |= is_split_name(c.parts[0], false);
    val |= is_split_name(c.parts[0], true);
  }
  return train && val;
}

}  // namespace

bool has_image_extension(const std::string& name) {
  auto dot = name.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = name.substr(dot + 1);
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  static const std::set<std::string> kExtensions = {"jpg", "jpeg", "png", "webp",
                                                    "bmp", "gif",  "jpe", "jfif"};
  return kExtensions.count(ext) > 0;
}

bool is_os_junk(const std::string& path) {
  for (const auto& part : split_path(path)) {
    if (part == "__MACOSX" || part[0] == '.' || part == "Thumbs.db" || part == "desktop.ini") {
      return true;
    }
  }
  return false;
}

Result<FolderPlan> plan_image_folder(const std::vector<std::string>& paths) {
  FolderPlan plan;
  std::vector<Candidate> files;
  int not_images = 0;
  for (const auto& path : paths) {
    if (path.empty() || path.back() == '/' || is_os_junk(path)) continue;
    if (!has_image_extension(path)) {
      ++not_images;
      continue;
    }
    files.push_back({path, split_path(path)});
  }
  if (not_images > 0) {
    plan.warnings.push_back(fmt::format("ignored {} files that are not images", not_images));
  }
  strip_enclosing_folders(files);
  plan.explicit_split = detect_split(files);
  size_t class_depth = plan.explicit_split ? 1 : 0;
  std::map<std::string, std::vector<std::pair<std::string, bool>>> by_class;
  int loose = 0;
  for (const auto& c : files) {
    bool in_split = plan.explicit_split &&
                    (is_split_name(c.parts[0], false) || is_split_name(c.parts[0], true));
    if (c.parts.size() < class_depth + 2 || (plan.explicit_split && !in_split)) {
      ++loose;
      continue;
    }
    bool val = plan.explicit_split && is_split_name(c.parts[0], true);
    by_class[c.parts[class_depth]].push_back({c.path, val});
  }
  if (loose > 0) {
    plan.warnings.push_back(fmt::format("ignored {} images outside class folders", loose));
  }
  if (by_class.size() < 2) {
    return fail(ErrorCode::kInvalidArgument, "dataset_too_few_classes",
                fmt::format("found {} class folder(s) with images; put each class's images in "
                            "its own folder (at least 2 classes)",
                            by_class.size()));
  }
  for (const auto& [name, items] : by_class) {
    if (auto problem = label_problem(name); !problem.empty()) {
      return fail(ErrorCode::kInvalidArgument, "invalid_class_name",
                  fmt::format("the class folder \"{}\" cannot name a class: {}; rename it",
                              printable_label(name), problem));
    }
  }
  for (auto& [name, items] : by_class) {
    int label = static_cast<int>(plan.classes.size());
    plan.classes.push_back(name);
    for (auto& [path, val] : items) plan.files.push_back({path, label, val});
  }
  return plan;
}

std::vector<bool> stratified_split(const std::vector<int>& labels, double fraction, uint64_t seed) {
  std::map<int, std::vector<size_t>> by_label;
  for (size_t i = 0; i < labels.size(); ++i) by_label[labels[i]].push_back(i);
  std::vector<bool> val(labels.size(), false);
  std::mt19937_64 rng(seed);
  for (auto& [label, indices] : by_label) {
    std::shuffle(indices.begin(), indices.end(), rng);
    if (indices.size() < 2) continue;
    auto count = static_cast<size_t>(std::lround(fraction * static_cast<double>(indices.size())));
    count = std::clamp<size_t>(count, 1, indices.size() - 1);
    for (size_t i = 0; i < count; ++i) val[indices[i]] = true;
  }
  return val;
}

}  // namespace trainbox::ml::data
