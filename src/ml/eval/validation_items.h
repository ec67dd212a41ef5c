#pragma once
// validation.json of a bundle: the validation items behind the metrics, so the task page can
// show which images or texts sit in a cell of the confusion matrix, with their scores.
//   {"kind", "classes", "items": [{"index", "label", "predicted", "score", "top": [{label,
//   score}]} + "name"/"thumbnail" (image) or "text"], "truncated"}
// Items come in validation order, the order of the confusion matrix's counts. Torch-free.

#include <cstddef>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace trainbox::ml::eval {

inline constexpr size_t kMaxValidationItems = 2000;

// `probabilities` is row-major [truth.size(), classes.size()]. `describe(i, item)` adds the
// item's own fields (name, thumbnail, text). At most kMaxValidationItems items.
nlohmann::json validation_json(const std::string& kind, const std::vector<std::string>& classes,
                               const std::vector<int>& truth, const float* probabilities,
                               const std::function<void(size_t, nlohmann::json&)>& describe);

// At most `most` bytes of `text`, cut on a UTF-8 character boundary.
std::string utf8_prefix(const std::string& text, size_t most);

}  // namespace trainbox::ml::eval
