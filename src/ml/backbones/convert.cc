// convert_tfjs_backbone and list_backbones of ml/backbones.h.

#include <fmt/format.h>
#include <torch/torch.h>

#include <chrono>
#include <fstream>
#include <regex>

#include "ml/backbones.h"
#include "ml/backbones/keras_network.h"
#include "ml/backbones/tfjs_model.h"
#include "ml/image/models.h"
#include "util/fs.h"

namespace trainbox::ml {
namespace {

std::string utc_now() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// The original model's class names, if the unwrapping step wrote them.
nlohmann::json source_classes(const std::filesystem::path& tfjs_dir) {
  std::ifstream in(tfjs_dir / "classes.json");
  if (!in) return nullptr;
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// Saves, reloads and compares: a backbone file that does not give the same features as the
// converted module must never be installed.
Status save_checked(torch::jit::Module& module, int64_t size, const std::filesystem::path& path) {
  auto temp = path;
  temp += ".tmp";
  try {
    module.save(temp.string());
    auto loaded = torch::jit::load(temp.string());
    torch::NoGradGuard no_grad;
    torch::manual_seed(0);
    auto x = torch::rand({2, 3, size, size});
    auto a = module.forward({x}).toTensor();
    auto b = loaded.forward({x}).toTensor();
    if (!torch::equal(a, b)) {
      std::filesystem::remove(temp);
      return fail(ErrorCode::kInternal, "backbone_save_mismatch",
                  "the saved backbone gives other features than the converted one");
    }
    std::filesystem::rename(temp, path);
  } catch (const std::exception& e) {
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return fail(ErrorCode::kInternal, "backbone_save_failed",
                fmt::format("cannot write {}: {}", path.string(), e.what()));
  }
  return {};
}

}  // namespace

Result<nlohmann::json> convert_tfjs_backbone(const ConvertBackboneRequest& request) {
  if (!std::regex_match(request.name, std::regex("[a-z0-9_]{1,64}"))) {
    return fail(ErrorCode::kInvalidArgument, "backbone_name_invalid",
                fmt::format("backbone name '{}' must be 1-64 of a-z, 0-9 and _", request.name));
  }
  auto model = backbones::read_tfjs_model(request.tfjs_dir);
  if (!model) return fail(model.error());
  auto net = backbones::build_keras_network(*model, request.feature_layer);
  if (!net) return fail(net.error());

  std::error_code ec;
  std::filesystem::create_directories(request.out_dir, ec);
  if (ec) return fail(io_error(ec.value(), "create the backbones folder", request.out_dir));
  TRAINBOX_TRY(
      save_checked(net->module, net->input_size, request.out_dir / (request.name + ".pt")));

  nlohmann::json files = nlohmann::json::object();
  for (const auto& [file, hash] : model->file_sha256) files[file] = hash;
  nlohmann::json meta = {
      {"format", "trainbox-backbone/1"},
      {"name", request.name},
      {"input_size", net->input_size},
      {"mean", request.mean},
      {"std", request.std},
      {"channel_order", "RGB"},
      {"feature_dim", net->feature_dim},
      {"feature_layer", net->feature_layer},
      {"feature_gflops", net->feature_flops / 1e9},
      {"parameters", net->parameter_count},
      {"batch_norm", "moving statistics (frozen), also when fine-tuning"},
      {"source",
       {{"format", "tfjs-layers"},
        {"package", request.package},
        {"version", request.package_version},
        {"licence", request.licence},
        {"model_path", request.model_path},
        {"quantization", model->quantization},
        {"outputs", net->num_outputs},
        {"classes", source_classes(request.tfjs_dir)},
        {"files_sha256", files}}},
      {"converted_at", utc_now()},
  };
  TRAINBOX_TRY(write_file_atomic(request.out_dir / (request.name + ".json"), meta.dump(2) + "\n"));
  // The same check trainbox makes when training with it.
  auto loaded = image::load_backbone(request.out_dir, request.name);
  if (!loaded) return fail(loaded.error());
  return meta;
}

std::vector<nlohmann::json> list_backbones(const std::filesystem::path& backbones_dir) {
  std::vector<nlohmann::json> list;
  for (const auto& name : image::installed_backbones(backbones_dir)) {
    nlohmann::json entry;
    std::ifstream in(backbones_dir / (name + ".json"));
    try {
      entry = nlohmann::json::parse(in);
      if (!entry.is_object()) throw std::runtime_error("not a JSON object");
    } catch (const std::exception& e) {
      entry = {{"error", fmt::format("{}.json cannot be read: {}", name, e.what())}};
    }
    entry["name"] = name;
    std::error_code ec;
    entry["pt_bytes"] = std::filesystem::file_size(backbones_dir / (name + ".pt"), ec);
    list.push_back(std::move(entry));
  }
  return list;
}

}  // namespace trainbox::ml
