#include "ml/eval/validation_items.h"

#include <algorithm>
#include <numeric>

namespace trainbox::ml::eval {

nlohmann::json validation_json(const std::string& kind, const std::vector<std::string>& classes,
                               const std::vector<int>& truth, const float* probabilities,
                               const std::function<void(size_t, nlohmann::json&)>& describe) {
  constexpr size_t kTop = 3;
  size_t c = classes.size();
  size_t n = std::min(truth.size(), kMaxValidationItems);
  auto items = nlohmann::json::array();
  std::vector<size_t> order(c);
  for (size_t i = 0; i < n; ++i) {
    const float* p = probabilities + i * c;
    std::iota(order.begin(), order.end(), size_t{0});
    size_t k = std::min(kTop, c);
    std::partial_sort(order.begin(), order.begin() + static_cast<long>(k), order.end(),
                      [&](size_t a, size_t b) { return p[a] > p[b]; });
    auto top = nlohmann::json::array();
    for (size_t j = 0; j < k; ++j)
      top.push_back({{"label", classes[order[j]]}, {"score", p[order[j]]}});
    nlohmann::json item = {{"index", i},
                           {"label", truth[i]},
                           {"predicted", order[0]},
                           {"score", p[order[0]]},
                           {"top", top}};
    describe(i, item);
    items.push_back(std::move(item));
  }
  return {{"kind", kind}, {"classes", classes}, {"items", items}, {"truncated", n < truth.size()}};
}

std::string utf8_prefix(const std::string& text, size_t most) {
  if (text.size() <= most) return text;
  size_t end = most;
  // Back off continuation bytes (10xxxxxx) so no character is cut in half.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace trainbox::ml::eval
