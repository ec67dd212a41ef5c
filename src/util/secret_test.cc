#include "util/secret.h"

#include <gtest/gtest.h>

#include <set>

namespace trainbox {
namespace {

TEST(Secret, TokensAre256BitHexWithAPrefixAndNeverRepeat) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto token = new_api_token();
    EXPECT_EQ(token.size(), 68u);
    EXPECT_TRUE(token.starts_with("tbx_"));
    EXPECT_TRUE(looks_like_api_token(token)) << token;
    EXPECT_TRUE(seen.insert(token).second) << "a token repeated";
  }
}

TEST(Secret, LooksLikeApiTokenRefusesOtherShapes) {
  auto token = new_api_token();
  EXPECT_FALSE(looks_like_api_token(""));
  EXPECT_FALSE(looks_like_api_token(token.substr(1)));
  EXPECT_FALSE(looks_like_api_token(token + "0"));
  EXPECT_FALSE(looks_like_api_token("xyz_" + token.substr(4)));
  std::string upper = token;
  upper[10] = 'A';
  EXPECT_FALSE(looks_like_api_token(upper));
}

TEST(Secret, RandomHexHasTwoDigitsPerByte) {
  EXPECT_EQ(random_hex(16).size(), 32u);
  EXPECT_NE(random_hex(16), random_hex(16));
}

TEST(Secret, ConstantTimeEqualComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "abcd"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

}  // namespace
}  // namespace trainbox
