#include "service/accounts.h"

#include <gtest/gtest.h>

#include "util/secret.h"

namespace trainbox::service {
namespace {

class AccountsTest : public ::testing::Test {
 protected:
  std::unique_ptr<db::UserStore> users_ = db::open_user_store("sqlite://:memory:").value();
  FakeClock clock_;
  Accounts accounts_{*users_, clock_, AuthMode::kTokens};
};

TEST_F(AccountsTest, AnIssuedTokenAuthenticatesItsUserAndIsStoredOnlyAsAHash) {
  auto alice = accounts_.add_user("alice", false);
  ASSERT_TRUE(alice) << alice.error().message;
  EXPECT_TRUE(looks_like_api_token(alice->token));
  auto stored = users_->get("alice").value();
  EXPECT_NE(stored.token_hash, alice->token);
  EXPECT_EQ(stored.token_hash.find(alice->token.substr(4, 16)), std::string::npos);
  auto caller = accounts_.authenticate(alice->token);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->user, "alice");
  EXPECT_FALSE(caller->is_admin);
}

TEST_F(AccountsTest, MissingMalformedAndUnknownTokensAreTheSame401) {
  ASSERT_TRUE(accounts_.add_user("alice", false));
  const std::string unknown_token = new_api_token();  // outlives the views below
  for (std::optional<std::string_view> token :
       {std::optional<std::string_view>(), std::optional<std::string_view>("nonsense"),
        std::optional<std::string_view>(unknown_token)}) {
    auto caller = accounts_.authenticate(token);
    ASSERT_FALSE(caller);
    EXPECT_EQ(caller.error().code, ErrorCode::kUnauthenticated);
    EXPECT_EQ(caller.error().slug, "unauthorized");
  }
}

TEST_F(AccountsTest, RotatingATokenRetiresTheOldOne) {
  auto first = accounts_.add_user("alice", false).value();
  auto second = accounts_.rotate_token("alice");
  ASSERT_TRUE(second);
  EXPECT_NE(second->token, first.token);
  EXPECT_FALSE(accounts_.authenticate(first.token));
  EXPECT_TRUE(accounts_.authenticate(second->token));
  EXPECT_EQ(accounts_.rotate_token("nobody").error().slug, "user_not_found");
}

TEST_F(AccountsTest, BadNamesAndDuplicatesAreRefused) {
  EXPECT_EQ(accounts_.add_user("Alice", false).error().slug, "invalid_user_name");
  EXPECT_EQ(accounts_.add_user("../x", false).error().slug, "invalid_user_name");
  EXPECT_EQ(accounts_.add_user("", false).error().slug, "invalid_user_name");
  ASSERT_TRUE(accounts_.add_user("alice", false));
  EXPECT_EQ(accounts_.add_user("alice", true).error().slug, "user_exists");
}

TEST_F(AccountsTest, TheLastAdminCannotBeRemoved) {
  ASSERT_TRUE(accounts_.add_user("root", true));
  auto bob = accounts_.add_user("bob", false).value();
  EXPECT_EQ(accounts_.remove_user("root").error().slug, "last_admin");
  ASSERT_TRUE(accounts_.remove_user("bob"));
  EXPECT_FALSE(accounts_.authenticate(bob.token)) << "a removed user's token stops working";
  ASSERT_TRUE(accounts_.add_user("second", true));
  EXPECT_TRUE(accounts_.remove_user("root"));
}

TEST_F(AccountsTest, BootstrapCreatesTheAdminOnceWithAOneTimeCode) {
  auto code = accounts_.bootstrap();
  ASSERT_TRUE(code);
  ASSERT_TRUE(code->has_value());
  EXPECT_TRUE(users_->get("admin").value().is_admin);
  EXPECT_FALSE(accounts_.bootstrap().value().has_value()) << "users exist now";
  EXPECT_EQ(accounts_.redeem_sign_in_code("wrong").error().slug, "invalid_sign_in_code");
  auto issued = accounts_.redeem_sign_in_code(**code);
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_EQ(issued->user.name, "admin");
  auto caller = accounts_.authenticate(issued->token);
  ASSERT_TRUE(caller);
  EXPECT_TRUE(caller->is_admin);
  EXPECT_EQ(accounts_.redeem_sign_in_code(**code).error().slug, "invalid_sign_in_code")
      << "a code works once";
}

TEST_F(AccountsTest, ASignInCodeExpires) {
  auto code = accounts_.bootstrap().value().value();
  clock_.advance_ms(Accounts::kSignInCodeLifetimeMs + 1);
  EXPECT_EQ(accounts_.redeem_sign_in_code(code).error().slug, "invalid_sign_in_code");
}

TEST_F(AccountsTest, WithoutAccountsEveryRequestIsUnrestricted) {
  Accounts open(*users_, clock_, AuthMode::kNone);
  auto caller = open.authenticate(std::nullopt);
  ASSERT_TRUE(caller);
  EXPECT_TRUE(caller->is_admin);
  EXPECT_FALSE(open.bootstrap().value().has_value());
  EXPECT_TRUE(users_->list().value().empty());
}

}  // namespace
}  // namespace trainbox::service
