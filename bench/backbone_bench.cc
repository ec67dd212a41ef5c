// Backbone feature extraction speed: images/s at one batch size for each installed backbone, as
// loaded and after the TorchScript inference passes (freeze, optimize_for_inference, channels_last
// input), each mode's features checked against the loaded module's; batch-1 latency of the fastest
// mode; and one GEMM figure, because BLAS is where a CPU build usually loses its speed.
//
//   build/bench/backbone_bench --backbones-dir DIR [--batch 32] [--seconds 8]
// --seconds is the timed budget per mode, after warm-up; a timed round is one batch of each mode.

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <dlfcn.h>
#include <sys/resource.h>
#include <torch/script.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "ml/backbones.h"

namespace {
namespace fsys = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int kThreads = 2;
constexpr double kPeakGflops = 360;  // FP32 limit of the 2-core AVX-512 machine (DESIGN)
constexpr double kTolerance = 1e-4;  // features of every mode against the loaded module's
constexpr int kWarmupCalls = 2;      // the profiling executor profiles the 1st, optimises the 2nd
constexpr int kMinRounds = 3;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Cores this process used on average since construction: below kThreads while timing means other
// processes took CPU from the bench and its figures are low.
class CpuShare {
 public:
  CpuShare() : wall_(Clock::now()), cpu_(cpu_seconds()) {}
  double cores() const { return (cpu_seconds() - cpu_) / seconds_since(wall_); }

 private:
  static double cpu_seconds() {
    struct rusage usage {};
    getrusage(RUSAGE_SELF, &usage);
    auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
    return seconds(usage.ru_utime) + seconds(usage.ru_stime);
  }
  Clock::time_point wall_;
  double cpu_;
};

// Median seconds per call of each function. The calls are timed in interleaved rounds (one call
// of each per round) so that a load change on the shared machine hits every mode alike; rounds go
// on until each function has had `budget_s` (at least kMinRounds).
std::vector<double> median_seconds(double budget_s,
                                   const std::vector<std::function<void()>>& calls) {
  for (const auto& call : calls) {
    for (int i = 0; i < kWarmupCalls; ++i) call();
  }
  std::vector<std::vector<double>> rounds(calls.size());
  auto start = Clock::now();
  while (rounds[0].size() < kMinRounds || seconds_since(start) < budget_s * calls.size()) {
    for (size_t i = 0; i < calls.size(); ++i) {
      auto round_start = Clock::now();
      calls[i]();
      rounds[i].push_back(seconds_since(round_start));
    }
  }
  std::vector<double> medians;
  for (auto& r : rounds) {
    std::sort(r.begin(), r.end());
    medians.push_back(r[r.size() / 2]);
  }
  return medians;
}

// The BLAS library the process really calls: Debian picks libblas.so.3 through alternatives, so
// the build configuration alone does not say whether it is OpenBLAS or the reference BLAS.
std::string loaded_blas() {
  std::ifstream maps("/proc/self/maps");
  std::string line, found;
  while (std::getline(maps, line)) {
    auto slash = line.find('/');
    if (slash == std::string::npos) continue;
    std::string path = line.substr(slash);
    if (path.find("blas") != std::string::npos && found.find(path) == std::string::npos) {
      found += (found.empty() ? "" : ", ") + path;
    }
  }
  return found.empty() ? "none mapped" : found;
}

// OpenBLAS picks its kernels for the CPU it detects at load time: on a CPU it does not know it
// falls back to a slow generic core unless OPENBLAS_CORETYPE names one.
std::string openblas_core() {
  using Getter = char* (*)();
  auto get = reinterpret_cast<Getter>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  return get ? get() : "not OpenBLAS";
}

std::string config_value(const std::string& config, const std::string& key) {
  auto at = config.find(key + "=");
  if (at == std::string::npos) return "?";
  at += key.size() + 1;
  return config.substr(at, config.find_first_of(",\n", at) - at);
}

void gemm_line() {
  // Correctness first, on a size that is not a multiple of any kernel block.
  auto a = torch::rand({67, 45}), b = torch::rand({45, 53});
  auto reference = torch::zeros({67, 53}, torch::kDouble);
  auto ad = a.to(torch::kDouble), bd = b.to(torch::kDouble);
  auto pa = ad.accessor<double, 2>(), pb = bd.accessor<double, 2>();
  auto pr = reference.accessor<double, 2>();
  for (int i = 0; i < 67; ++i) {
    for (int j = 0; j < 53; ++j) {
      for (int k = 0; k < 45; ++k) pr[i][j] += pa[i][k] * pb[k][j];
    }
  }
  double error = (torch::mm(a, b).to(torch::kDouble) - reference).abs().max().item<double>();

  const int n = 1024;
  auto x = torch::rand({n, n}), y = torch::rand({n, n});
  double s = median_seconds(2.0, {[&] { (void)torch::mm(x, y); }})[0];
  double gflops = 2.0 * n * n * n / s / 1e9;
  std::string config = at::show_config();
  std::printf(
      "GEMM %dx%d fp32: %.1f GFLOP/s (%.0f%% of %.0f), %.2f ms; 67x45x53 vs naive max "
      "|diff| %.1e %s\n",
      n, n, gflops, 100 * gflops / kPeakGflops, kPeakGflops, s * 1000, error,
      error < kTolerance ? "ok" : "WRONG");
  std::printf("BLAS: built for %s, loaded %s (OpenBLAS core %s); oneDNN %s\n\n",
              config_value(config, "BLAS_INFO").c_str(), loaded_blas().c_str(),
              openblas_core().c_str(), config_value(config, "USE_MKLDNN").c_str());
}

struct Mode {
  const char* name;
  torch::jit::Module module;
  bool channels_last;
  torch::Tensor input;  // the batch in this mode's layout
};

int bench_backbone(const fsys::path& dir, const nlohmann::json& meta, int batch, double budget_s) {
  std::string name = meta.at("name");
  int size = meta.at("input_size");
  double gflops_per_image = meta.value("feature_gflops", 0.0);

  auto loaded = torch::jit::load((dir / (name + ".pt")).string());
  loaded.eval();
  std::vector<Mode> modes;
  modes.push_back({"(a) as loaded", loaded, false, {}});
  modes.push_back({"(b) freeze", torch::jit::freeze(loaded), false, {}});
  // optimize_for_inference rewrites the module in place and specialises it to the layout it
  // sees, so (c) and (d) get a module each.
  for (bool channels_last : {false, true}) {
    auto frozen = torch::jit::freeze(loaded);
    modes.push_back({channels_last ? "(d) (c)+channels_last" : "(c) freeze+optimize",
                     torch::jit::optimize_for_inference(frozen),
                     channels_last,
                     {}});
  }

  torch::manual_seed(1);
  auto images = torch::rand({batch, 3, size, size});
  auto layout = [](const Mode& mode, const torch::Tensor& x) {
    return mode.channels_last ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
  };

  std::printf("%s: %d px, %lld features, %.2f GFLOP/image, batch %d, %d threads\n", name.c_str(),
              size, static_cast<long long>(meta.value("feature_dim", 0)), gflops_per_image, batch,
              at::get_num_threads());
  std::printf("  %-22s %9s %10s %9s %7s %8s %11s\n", "mode", "images/s", "ms/batch", "GFLOP/s",
              "of peak", "vs (a)", "max |diff|");
  c10::InferenceMode inference;
  torch::Tensor reference;
  std::vector<double> diffs;
  std::vector<std::function<void()>> calls;
  for (auto& mode : modes) {
    mode.input = layout(mode, images);
    auto features = mode.module.forward({mode.input}).toTensor();
    if (!reference.defined()) reference = features;
    diffs.push_back(features.sizes() == reference.sizes()
                        ? (features - reference).abs().max().item<double>()
                        : INFINITY);
    calls.push_back([&mode] { (void)mode.module.forward({mode.input}); });
  }
  CpuShare cpu;
  auto seconds = median_seconds(budget_s, calls);
  double cores = cpu.cores();
  double best_rate = 0;
  const Mode* best = nullptr;
  bool all_match = true;
  for (size_t i = 0; i < modes.size(); ++i) {
    double rate = batch / seconds[i];
    bool match = diffs[i] <= kTolerance;
    all_match = all_match && match;
    if (match && rate > best_rate) best_rate = rate, best = &modes[i];
    std::printf("  %-22s %9.1f %10.1f %9.1f %6.0f%% %7.2fx %9.1e %s\n", modes[i].name, rate,
                seconds[i] * 1000, rate * gflops_per_image,
                100 * rate * gflops_per_image / kPeakGflops, seconds[0] / seconds[i], diffs[i],
                match ? "ok" : "WRONG");
  }
  std::printf("  CPU while timing: %.2f of %d cores%s\n", cores, kThreads,
              cores < 0.95 * kThreads ? " (other processes competed: figures are low)" : "");
  if (best) {
    auto module = best->module;
    auto image = layout(*best, images.slice(0, 0, 1).clone());
    double s = median_seconds(budget_s, {[&] { (void)module.forward({image}); }})[0];
    std::printf("  batch 1, %s: %.1f ms median (%.1f images/s)\n", best->name, s * 1000, 1 / s);
  }
  std::printf("\n");
  return all_match ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  fsys::path dir;
  int batch = 32;
  double seconds = 8;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--backbones-dir"))
      dir = argv[i + 1];
    else if (!std::strcmp(argv[i], "--batch"))
      batch = std::max(1, std::atoi(argv[i + 1]));
    else if (!std::strcmp(argv[i], "--seconds"))
      seconds = std::atof(argv[i + 1]);
  }
  if (dir.empty()) {
    std::fprintf(stderr, "usage: %s --backbones-dir DIR [--batch 32] [--seconds 8]\n", argv[0]);
    return 2;
  }
  // LibTorch starts with one intra-op thread on this machine.
  at::set_num_threads(kThreads);
  std::string load;
  std::getline(std::ifstream("/proc/loadavg"), load);
  std::printf("load average at start: %s\n", load.c_str());
  gemm_line();
  auto backbones = trainbox::ml::list_backbones(dir);
  if (backbones.empty()) std::fprintf(stderr, "no backbone in %s\n", dir.c_str());
  int status = backbones.empty() ? 1 : 0;
  for (const auto& meta : backbones) {
    if (meta.contains("error")) {
      std::fprintf(stderr, "%s: %s\n", meta.value("name", "?").c_str(),
                   meta["error"].get<std::string>().c_str());
      status = 1;
      continue;
    }
    try {
      status |= bench_backbone(dir, meta, batch, seconds);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s\n", meta.value("name", "?").c_str(), e.what());
      status = 1;
    }
  }
  return status;
}
