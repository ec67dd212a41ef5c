#include "ml/image/ensemble.h"

#include <fmt/format.h>

#include "ml/image/models.h"

namespace trainbox::ml::image {

torch::jit::Module make_ensemble(const std::vector<EnsembleMember>& members, ImageNorm& norm) {
  size_t widest = 0;
  for (size_t i = 1; i < members.size(); ++i) {
    if (members[i].norm.size > members[widest].norm.size) widest = i;
  }
  norm = members[widest].norm;
  torch::jit::Module m("EnsembleClassifier");
  register_input_norm(m, norm);
  std::string source =
      "def member_input(self, raw, size: int, mean, std):\n"
      "    if raw.size(2) != size:\n"
      "        raw = torch._upsample_bilinear2d_aa(raw, [size, size], False, None, None)\n"
      "    return (raw / 255.0 - mean) / std\n\n"
      "def forward(self, x):\n"
      "    raw = (x * self.std + self.mean) * 255.0\n";
  for (size_t i = 0; i < members.size(); ++i) {
    auto member = members[i].model.clone();
    member.eval();
    m.register_module(fmt::format("m{}", i), member);
    source += fmt::format(
        "    p{0} = self.m{0}.forward(self.member_input(raw, self.m{0}.image_size, "
        "self.m{0}.mean, self.m{0}.std))\n",
        i);
  }
  source += "    return (p0";
  for (size_t i = 1; i < members.size(); ++i) source += fmt::format(" + p{}", i);
  source += fmt::format(") / {}.0\n", members.size());
  m.define(source + raw_input_methods());
  m.train(false);
  return m;
}

}  // namespace trainbox::ml::image
