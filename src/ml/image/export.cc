#include "ml/image/export.h"

#include <fmt/format.h>
#include <torch/script.h>
#include <torch/version.h>

#include "ml/bundle/bundle.h"
#include "ml/data/png_encode.h"
#include "ml/eval/validation_items.h"

namespace trainbox::ml::image {
namespace fs = std::filesystem;

namespace {

constexpr const char* kResizeRule =
    "Take the largest centred square crop of the image (offsets floor((H-side)/2), "
    "floor((W-side)/2)), convert it to RGB float in 0..255, resize it to size x size with "
    "bilinear interpolation with antialias (align_corners=false; torch "
    "interpolate(mode='bilinear', antialias=True)), divide by 255, then subtract mean and divide "
    "by std per channel. Layout NCHW.";

Status check_same(const torch::Tensor& expected, const torch::Tensor& actual) {
  double diff = (expected - actual).abs().max().item<double>();
  bool same_top1 = expected.argmax(1).equal(actual.argmax(1));
  if (diff > 1e-4 || !same_top1) {
    return fail(ErrorCode::kInternal, "export_mismatch",
                fmt::format("the exported model disagrees with the trained one (max probability "
                            "difference {:.2g}, same top-1: {})",
                            diff, same_top1));
  }
  return {};
}

}  // namespace

nlohmann::json image_preprocess_json(const std::string& architecture, const ImageNorm& norm) {
  return {{"kind", "image"},
          {"architecture", architecture},
          {"size", norm.size},
          {"mean", norm.mean},
          {"std", norm.std},
          {"color", "RGB"},
          {"resize", "center_square_crop_then_bilinear_antialias"},
          {"resize_rule", kResizeRule},
          {"forward_input", "float32 [N,3,size,size], normalised"},
          {"forward_output", "float32 [N,num_classes] probabilities (softmax)"},
          {"predict_raw_input", "uint8 [N,H,W,3] RGB, any H,W (same within one call)"},
          {"libtorch_version", TORCH_VERSION}};
}

nlohmann::json image_validation_json(const std::vector<std::string>& classes,
                                     const torch::Tensor& val_images,
                                     const torch::Tensor& val_labels,
                                     const torch::Tensor& probabilities,
                                     const std::vector<std::string>& paths) {
  constexpr int kThumbnail = 64;
  auto n = std::min<int64_t>(val_images.size(0), eval::kMaxValidationItems);
  int side = std::min<int>(kThumbnail, static_cast<int>(val_images.size(2)));
  auto thumbnails =
      resize_batch(val_images.slice(0, 0, n), side).permute({0, 2, 3, 1}).contiguous();
  auto labels = val_labels.contiguous();
  std::vector<int> truth(labels.data_ptr<int64_t>(), labels.data_ptr<int64_t>() + labels.numel());
  auto p = probabilities.to(torch::kFloat).contiguous();
  return eval::validation_json(
      "image", classes, truth, p.data_ptr<float>(), [&](size_t i, nlohmann::json& item) {
        if (i < paths.size()) item["name"] = paths[i];
        const uint8_t* pixels = thumbnails[static_cast<int64_t>(i)].data_ptr<uint8_t>();
        item["thumbnail"] = data::png_data_uri(pixels, side, side);
      });
}

Status export_image_bundle(torch::jit::Module& model, const ExportRequest& r) {
  model.train(false);
  fs::path model_pt = r.work_dir / "model.pt";
  model.save(model_pt.string());
  BundleContents contents;
  contents.model_pt = model_pt;
  contents.classes = class_map_json(r.classes);
  contents.preprocess = image_preprocess_json(r.architecture, r.norm);
  contents.metrics = r.metrics;
  contents.readme = image_readme(r.classes, r.norm);
  contents.validation = r.validation;
  TRAINBOX_TRY(write_bundle(contents, r.bundle_path));

  auto dir = unpack_bundle(r.bundle_path, r.work_dir / "export_check");
  if (!dir) return fail(dir.error());
  auto loaded = torch::jit::load((*dir / "model.pt").string());
  loaded.eval();
  torch::NoGradGuard no_grad;
  for (int64_t i = 0; i < r.check_inputs.size(0); i += 128) {
    auto x = r.check_inputs.slice(0, i, i + 128);
    TRAINBOX_TRY(check_same(model.forward({x}).toTensor(), loaded.forward({x}).toTensor()));
  }
  return {};
}

}  // namespace trainbox::ml::image
