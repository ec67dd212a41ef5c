#pragma once
// README.md of a text bundle: what the files are and how to load the model from C++ and Python.

#include <string>
#include <vector>

#include "ml/text/text_features.h"

namespace trainbox::ml::text {

std::string text_bundle_readme(const std::vector<std::string>& classes, const FeatureConfig& config,
                               double val_accuracy);

}  // namespace trainbox::ml::text
