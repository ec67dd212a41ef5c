#include "ml/eval/classification_metrics.h"

#include <gtest/gtest.h>

namespace trainbox::ml::eval {

TEST(ClassificationMetrics, CountsPerClassPrecisionRecallAndConfusion) {
  // truth:     a a a b b c
  // predicted: a a b b c c
  auto metrics = classification_metrics({"a", "b", "c"}, {0, 0, 0, 1, 1, 2}, {0, 0, 1, 1, 2, 2});
  EXPECT_NEAR(metrics["val_accuracy"].get<double>(), 4.0 / 6, 1e-9);
  EXPECT_EQ(metrics["confusion_matrix"], nlohmann::json({{2, 1, 0}, {0, 1, 1}, {0, 0, 1}}));
  const auto& a = metrics["per_class"]["a"];
  EXPECT_NEAR(a["precision"].get<double>(), 1.0, 1e-9);
  EXPECT_NEAR(a["recall"].get<double>(), 2.0 / 3, 1e-9);
  EXPECT_NEAR(a["f1"].get<double>(), 0.8, 1e-9);
  EXPECT_EQ(a["support"], 3);
  const auto& b = metrics["per_class"]["b"];
  EXPECT_NEAR(b["precision"].get<double>(), 0.5, 1e-9);
  EXPECT_NEAR(b["recall"].get<double>(), 0.5, 1e-9);
}

TEST(ClassificationMetrics, ClassNeverPredictedHasZeroPrecisionNotNaN) {
  auto metrics = classification_metrics({"a", "b"}, {0, 1}, {0, 0});
  EXPECT_EQ(metrics["per_class"]["b"]["precision"].get<double>(), 0.0);
  EXPECT_EQ(metrics["per_class"]["b"]["f1"].get<double>(), 0.0);
}

}  // namespace trainbox::ml::eval
