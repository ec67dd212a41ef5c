#include "ml/options.h"

#include <gtest/gtest.h>

namespace trainbox::ml {

TEST(TrainOptions, DefaultsWhenEmpty) {
  auto parsed = parse_train_options(nlohmann::json::object());
  ASSERT_TRUE(parsed);
  EXPECT_FALSE(parsed->epochs);
  EXPECT_DOUBLE_EQ(parsed->val_fraction, 0.2);
  EXPECT_EQ(parsed->backbone, "auto");
}

TEST(TrainOptions, ReadsValidValuesAndIgnoresUnknownKeys) {
  auto parsed = parse_train_options({{"epochs", 7},
                                     {"seed", 3},
                                     {"status", "COMPLETED"},
                                     {"owner_id", 9},
                                     {"val_fraction", 0.3}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed->epochs, 7);
  EXPECT_EQ(parsed->seed, 3u);
  EXPECT_DOUBLE_EQ(parsed->val_fraction, 0.3);
}

TEST(TrainOptions, RefusesOutOfRangeAndWrongTypes) {
  for (const auto& bad : {nlohmann::json{{"epochs", 1e9}}, nlohmann::json{{"epochs", 0}},
                          nlohmann::json{{"epochs", 2.5}}, nlohmann::json{{"batch_size", 0}},
                          nlohmann::json{{"learning_rate", "NaN"}},
                          nlohmann::json{{"image_size", 100000}}, nlohmann::json{{"epochs", "5"}},
                          nlohmann::json{{"val_fraction", 0.9}}, nlohmann::json::array()}) {
    auto parsed = parse_train_options(bad);
    ASSERT_FALSE(parsed) << bad.dump();
    EXPECT_EQ(parsed.error().code, ErrorCode::kInvalidArgument);
    EXPECT_NE(parsed.error().message.find(bad.is_object() ? bad.begin().key() : "object"),
              std::string::npos)
        << parsed.error().message;
  }
}

}  // namespace trainbox::ml
