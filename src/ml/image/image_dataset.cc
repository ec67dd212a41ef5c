// Design: the file list is planned first (data/image_folder), then worker threads pull indices
// from an atomic counter, read the bytes (zip reads are serialised inside SafeZip), hash, decode
// and resize each image into its slot of a preallocated tensor. The calling thread only waits,
// reports progress and polls should_stop. The first fatal error (a pixel or archive limit) stops
// every worker; unreadable images are skipped and listed as warnings.

#include "ml/image/image_dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "ml/data/image_folder.h"
#include "ml/image/models.h"

namespace trainbox::ml::image {
namespace fs = std::filesystem;
namespace {

// Zip archive or plain folder behind one read interface.
class Source {
 public:
  static Result<Source> open(const fs::path& path, const data::ArchiveLimits& limits) {
    Source source;
    if (fs::is_directory(path)) {
      source.root_ = path;
      source.limits_ = limits;
      // A folder gets the archive's limits too: entry count and total bytes, checked up front.
      uint64_t total = 0;
      for (auto it = fs::recursive_directory_iterator(path); it != fs::end(it); ++it) {
        if (it->is_regular_file() && !it->is_symlink()) {
          source.names_.push_back(fs::relative(it->path(), path).generic_string());
          std::error_code ec;
          total += it->file_size(ec);
        }
      }
      if (source.names_.size() > limits.max_entries) {
        return fail(ErrorCode::kPayloadTooLarge, "archive_too_many_entries",
                    fmt::format("the dataset has {} files; the limit is {}", source.names_.size(),
                                limits.max_entries));
      }
      if (total > limits.max_total_bytes) {
        return fail(ErrorCode::kPayloadTooLarge, "archive_too_large",
                    fmt::format("the dataset holds {} bytes; the limit is {}", total,
                                limits.max_total_bytes));
      }
      return source;
    }
    auto zip = data::SafeZip::open(path, limits);
    if (!zip) return fail(zip.error());
    source.zip_ = std::move(*zip);
    for (const auto& entry : source.zip_->entries()) {
      source.by_name_[entry.name] = &entry;
      if (!entry.is_dir) source.names_.push_back(entry.name);
    }
    return source;
  }

  const std::vector<std::string>& names() const { return names_; }

  Result<std::string> read(const std::string& name) {
    if (zip_) return zip_->read(*by_name_.at(name));
    fs::path path = root_ / name;
    std::error_code ec;
    if (fs::file_size(path, ec) > limits_.max_entry_bytes) {
      return fail(ErrorCode::kPayloadTooLarge, "archive_entry_too_large",
                  fmt::format("'{}' is larger than {} bytes", name, limits_.max_entry_bytes));
    }
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      return fail(ErrorCode::kInvalidArgument, "image_corrupt", "cannot read " + name);
    }
    return bytes;
  }

 private:
  std::unique_ptr<data::SafeZip> zip_;
  std::map<std::string, const data::ZipEntry*> by_name_;
  fs::path root_;
  data::ArchiveLimits limits_;
  std::vector<std::string> names_;
};

uint64_t fnv1a(const std::string& bytes) {
  uint64_t hash = 1469598103934665603ULL;
  for (unsigned char c : bytes) hash = (hash ^ c) * 1099511628211ULL;
  return hash;
}

struct Decoded {
  bool ok = false;
  std::string error;
  uint64_t hash = 0;
  int width = 0, height = 0;
};

// Decodes a few evenly spaced images to learn the typical image side.
double sample_median_side(Source& source, const data::FolderPlan& plan, uint64_t max_pixels) {
  std::vector<double> sides;
  size_t step = std::max<size_t>(1, plan.files.size() / 24);
  for (size_t i = 0; i < plan.files.size(); i += step) {
    auto bytes = source.read(plan.files[i].path);
    if (!bytes) continue;
    auto image = data::decode_image(*bytes, max_pixels);
    if (image) sides.push_back(std::min(image->width, image->height));
  }
  if (sides.empty()) return 64;
  std::nth_element(sides.begin(), sides.begin() + sides.size() / 2, sides.end());
  return sides[sides.size() / 2];
}

struct DecodeJob {
  Source* source = nullptr;
  const data::FolderPlan* plan = nullptr;
  const ReadOptions* options = nullptr;
  int size = 0;
  torch::Tensor images;
  std::vector<Decoded> results;
  std::atomic<size_t> next{0};
  std::atomic<size_t> done{0};
  std::atomic<bool> stop{false};
  std::mutex mutex;
  std::optional<Error> fatal;

  void set_fatal(Error error) {
    std::lock_guard lock(mutex);
    if (!fatal) fatal = std::move(error);
    stop = true;
  }

  void decode_one(size_t i) {
    Decoded& out = results[i];
    auto bytes = source->read(plan->files[i].path);
    if (!bytes) return set_fatal(bytes.error());
    out.hash = fnv1a(*bytes);
    auto image = data::decode_image(*bytes, options->max_pixels);
    if (!image) {
      if (image.error().code == ErrorCode::kPayloadTooLarge) return set_fatal(image.error());
      out.error = image.error().message;
      return;
    }
    out.width = image->width;
    out.height = image->height;
    auto hwc =
        torch::from_blob(image->pixels.data(), {image->height, image->width, 3}, torch::kUInt8);
    images[static_cast<int64_t>(i)].copy_(square_resize(hwc, size).round().clamp(0, 255));
    out.ok = true;
  }

  void work() {
    torch::NoGradGuard no_grad;
    for (size_t i = next++; i < results.size() && !stop; i = next++) {
      decode_one(i);
      ++done;
    }
  }
};

Status run_decode(DecodeJob& job, int threads, const TrainHooks& hooks) {
  std::vector<std::thread> workers;
  for (int t = 0; t < std::max(1, threads); ++t) workers.emplace_back([&job] { job.work(); });
  auto last_report = std::chrono::steady_clock::now();
  bool cancelled = false;
  while (job.done < job.results.size() && !job.stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (hooks.should_stop()) {
      cancelled = true;
      job.stop = true;
    }
    if (std::chrono::steady_clock::now() - last_report > std::chrono::seconds(1)) {
      last_report = std::chrono::steady_clock::now();
      double fraction = static_cast<double>(job.done) / static_cast<double>(job.results.size());
      hooks.report({"reading", 0.1 * fraction, 0, 0, -1, {{"images_read", job.done.load()}}});
    }
  }
  for (auto& worker : workers) worker.join();
  if (cancelled) return fail(ErrorCode::kCancelled, "cancelled", "training was cancelled");
  if (job.fatal) return fail(*job.fatal);
  return {};
}

std::string join_some(const std::vector<std::string>& items, size_t most) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < most; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > most) out += fmt::format(" and {} more", items.size() - most);
  return out;
}

void add_content_warnings(const DecodeJob& job, ImageDataset& ds) {
  std::vector<std::string> skipped, duplicates;
  std::map<uint64_t, size_t> first_by_hash;
  std::map<std::pair<int, int>, int> sizes;
  for (size_t i = 0; i < job.results.size(); ++i) {
    const Decoded& r = job.results[i];
    const std::string& path = job.plan->files[i].path;
    if (!r.ok) {
      skipped.push_back(fmt::format("{} ({})", path, r.error));
      continue;
    }
    ++sizes[{r.width, r.height}];
    auto [it, fresh] = first_by_hash.emplace(r.hash, i);
    if (!fresh) duplicates.push_back(path + " = " + job.plan->files[it->second].path);
  }
  auto& w = ds.summary.warnings;
  if (!skipped.empty()) {
    w.push_back(
        fmt::format("skipped {} unreadable images: {}", skipped.size(), join_some(skipped, 10)));
  }
  if (!duplicates.empty()) {
    w.push_back(fmt::format("{} duplicate files (same content): {}", duplicates.size(),
                            join_some(duplicates, 10)));
  }
  if (sizes.size() > 1) {
    w.push_back(
        fmt::format("images have {} different sizes; each is centre-cropped to a square "
                    "and resized to {}x{}",
                    sizes.size(), ds.size, ds.size));
  }
}

Status add_class_checks(ImageDataset& ds) {
  auto& s = ds.summary;
  int smallest = INT32_MAX, largest = 0;
  for (const auto& name : ds.classes) {
    int count = s.class_counts[name];
    if (count < 2) {
      return fail(ErrorCode::kInvalidArgument, "dataset_class_too_small",
                  fmt::format("class '{}' has {} usable image(s); every class needs at least 2",
                              name, count));
    }
    if (count < 10) {
      s.warnings.push_back(
          fmt::format("class '{}' has only {} images; aim for 20 or more", name, count));
    }
    smallest = std::min(smallest, count);
    largest = std::max(largest, count);
  }
  if (largest > 3 * smallest) {
    s.warnings.push_back(
        fmt::format("classes are imbalanced ({} vs {} images); the loss is "
                    "weighted by class",
                    largest, smallest));
  }
  return {};
}

// Keeps the decoded images, fills labels, counts and the split.
Status collect(DecodeJob& job, const ReadOptions& options, ImageDataset& ds) {
  std::vector<int64_t> keep;
  std::vector<int> labels;
  std::vector<bool> given_val;
  for (size_t i = 0; i < job.results.size(); ++i) {
    if (!job.results[i].ok) continue;
    const auto& file = job.plan->files[i];
    keep.push_back(static_cast<int64_t>(i));
    labels.push_back(file.label);
    given_val.push_back(file.val);
    ds.paths.push_back(file.path);
    ++ds.summary.class_counts[ds.classes[file.label]];
  }
  ds.summary.num_items = static_cast<int>(keep.size());
  ds.summary.classes = ds.classes;
  for (const auto& name : ds.classes) ds.summary.class_counts.try_emplace(name, 0);
  add_content_warnings(job, ds);
  TRAINBOX_TRY(add_class_checks(ds));
  ds.images = job.images.index_select(0, torch::tensor(keep, torch::kLong));
  ds.labels = torch::tensor(std::vector<int64_t>(labels.begin(), labels.end()), torch::kLong);
  bool has_val = std::find(given_val.begin(), given_val.end(), true) != given_val.end();
  ds.is_val = job.plan->explicit_split && has_val
                  ? given_val
                  : data::stratified_split(labels, options.val_fraction, options.seed);
  return {};
}

}  // namespace

int auto_image_size(double median_side, size_t num_images) {
  int rounded = static_cast<int>(std::lround(median_side / 16.0)) * 16;
  return std::clamp(rounded, 32, auto_size_cap(num_images));
}

int auto_size_cap(size_t num_images) {
  if (num_images < 1000) return 64;
  if (num_images < 3000) return 96;
  return 112;
}

Result<ImageDataset> read_image_dataset(const fs::path& dataset, const ReadOptions& options,
                                        const TrainHooks& hooks) {
  auto source = Source::open(dataset, options.limits);
  if (!source) return fail(source.error());
  auto plan = data::plan_image_folder(source->names());
  if (!plan) return fail(plan.error());
  ImageDataset ds;
  ds.classes = plan->classes;
  ds.summary.warnings = plan->warnings;
  ds.median_side = sample_median_side(*source, *plan, options.max_pixels);
  ds.num_files = plan->files.size();
  ds.size = options.size > 0 ? options.size : auto_image_size(ds.median_side, ds.num_files);
  DecodeJob job;
  job.source = &*source;
  job.plan = &*plan;
  job.options = &options;
  job.size = ds.size;
  auto n = static_cast<int64_t>(plan->files.size());
  job.images = torch::zeros({n, 3, ds.size, ds.size}, torch::kUInt8);
  job.results.resize(plan->files.size());
  TRAINBOX_TRY(run_decode(job, options.threads, hooks));
  TRAINBOX_TRY(collect(job, options, ds));
  return ds;
}

}  // namespace trainbox::ml::image
