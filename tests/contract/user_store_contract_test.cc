// One contract suite for every UserStore implementation (the backends: store_factories.h).

#include <gtest/gtest.h>

#include <thread>

#include "db/task_store.h"
#include "db/user_store.h"
#include "tests/contract/store_factories.h"
#include "util/fs.h"
#include "util/sha256.h"

namespace trainbox::db {
namespace {

using core::User;

class UserStoreContract : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    url_ = GetParam().url(scratch_.path());
    ASSERT_FALSE(url_.empty());
    auto opened = open_user_store(url_);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  void TearDown() override {
    store_.reset();
    if (GetParam().drop && !url_.empty()) GetParam().drop(url_);
  }
  static User user(const std::string& name, bool admin = false) {
    return User{name, admin, sha256_hex_of("token-of-" + name), 1000, 1000};
  }

  TempDir scratch_{std::filesystem::temp_directory_path(), "user-contract"};
  std::string url_;
  std::unique_ptr<UserStore> store_;
};

TEST_P(UserStoreContract, AddThenGetAndFindByTokenHash) {
  ASSERT_TRUE(store_->add(user("alice", true)));
  auto got = store_->get("alice");
  ASSERT_TRUE(got) << got.error().message;
  EXPECT_EQ(got->name, "alice");
  EXPECT_TRUE(got->is_admin);
  EXPECT_EQ(got->created_at_ms, 1000);
  auto found = store_->find_by_token_hash(sha256_hex_of("token-of-alice"));
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "alice");
}

TEST_P(UserStoreContract, DuplicateNameIsAConflict) {
  ASSERT_TRUE(store_->add(user("alice")));
  auto again = store_->add(User{"alice", false, sha256_hex_of("other"), 2, 2});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().slug, "user_exists");
  EXPECT_FALSE(store_->get("alice")->is_admin) << "the first user is kept as it was";
}

TEST_P(UserStoreContract, UnknownNameAndTokenAreNotFound) {
  EXPECT_EQ(store_->get("nobody").error().slug, "user_not_found");
  EXPECT_EQ(store_->find_by_token_hash(sha256_hex_of("x")).error().code, ErrorCode::kNotFound);
  EXPECT_EQ(store_->remove("nobody").error().slug, "user_not_found");
  EXPECT_EQ(store_->set_token_hash("nobody", "h", 1).error().slug, "user_not_found");
}

TEST_P(UserStoreContract, ListIsByName) {
  ASSERT_TRUE(store_->add(user("carol")));
  ASSERT_TRUE(store_->add(user("alice")));
  ASSERT_TRUE(store_->add(user("bob", true)));
  auto users = store_->list();
  ASSERT_TRUE(users);
  ASSERT_EQ(users->size(), 3u);
  EXPECT_EQ((*users)[0].name, "alice");
  EXPECT_EQ((*users)[1].name, "bob");
  EXPECT_TRUE((*users)[1].is_admin);
  EXPECT_EQ((*users)[2].name, "carol");
}

TEST_P(UserStoreContract, SetTokenHashRetiresTheOldToken) {
  ASSERT_TRUE(store_->add(user("alice")));
  std::string fresh = sha256_hex_of("fresh");
  ASSERT_TRUE(store_->set_token_hash("alice", fresh, 5000));
  EXPECT_FALSE(store_->find_by_token_hash(sha256_hex_of("token-of-alice")));
  auto found = store_->find_by_token_hash(fresh);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->name, "alice");
  EXPECT_EQ(found->token_issued_at_ms, 5000);
}

TEST_P(UserStoreContract, RemoveDeletesOnlyThatUser) {
  ASSERT_TRUE(store_->add(user("alice")));
  ASSERT_TRUE(store_->add(user("bob")));
  ASSERT_TRUE(store_->remove("alice"));
  EXPECT_FALSE(store_->get("alice"));
  EXPECT_FALSE(store_->find_by_token_hash(sha256_hex_of("token-of-alice")));
  EXPECT_TRUE(store_->get("bob"));
}

TEST_P(UserStoreContract, ConcurrentAddsOfOneNameHaveExactlyOneWinner) {
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      if (store_->add(User{"same", false, sha256_hex_of("t" + std::to_string(i)), i, i})) {
        ++winners;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(store_->list()->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(AllBackends, UserStoreContract, ::testing::ValuesIn(kStoreFactories),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(SqliteUserStore, SharesTheDatabaseFileWithTheTasks) {
  TempDir scratch(std::filesystem::temp_directory_path(), "user-share");
  std::string url = "sqlite://" + (scratch.path() / "t.db").string();
  ASSERT_TRUE(open_task_store(url));
  {
    auto users = open_user_store(url).value();
    ASSERT_TRUE(users->add(User{"alice", true, sha256_hex_of("a"), 1, 1}));
  }
  auto reopened = open_user_store(url).value();
  EXPECT_TRUE(reopened->get("alice"));
}

}  // namespace
}  // namespace trainbox::db
