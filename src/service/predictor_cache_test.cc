// PredictorCache against a fake Predictor and a counting loader: no bundle, no model, no torch.

#include "service/predictor_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>
#include <vector>

namespace trainbox::service {
namespace {

class FakePredictor final : public ml::Predictor {
 public:
  explicit FakePredictor(std::string id) : id_(std::move(id)) {}
  ml::TaskKind kind() const override { return ml::TaskKind::kImage; }
  const std::vector<std::string>& classes() const override { return classes_; }
  Result<std::vector<ml::Prediction>> predict_images(const std::vector<std::string>&,
                                                     int) override {
    return std::vector<ml::Prediction>{};
  }
  Result<std::vector<ml::Prediction>> predict_texts(const std::vector<std::string>&, int) override {
    return std::vector<ml::Prediction>{};
  }
  const std::string& id() const { return id_; }

 private:
  std::string id_;
  std::vector<std::string> classes_{"a", "b"};
};

// Counts loads per task id; ids starting with "bad" fail.
struct CountingLoader {
  std::shared_ptr<std::mutex> mutex = std::make_shared<std::mutex>();
  std::shared_ptr<std::map<std::string, int>> loads =
      std::make_shared<std::map<std::string, int>>();

  PredictorCache::Loader loader() {
    return [mutex = mutex,
            loads = loads](const std::string& id) -> Result<std::shared_ptr<ml::Predictor>> {
      {
        std::lock_guard lock(*mutex);
        ++(*loads)[id];
      }
      if (id.starts_with("bad"))
        return fail(ErrorCode::kNotFound, "no_bundle", "no bundle for " + id);
      return std::shared_ptr<ml::Predictor>(std::make_shared<FakePredictor>(id));
    };
  }
  int count(const std::string& id) {
    std::lock_guard lock(*mutex);
    auto it = loads->find(id);
    return it == loads->end() ? 0 : it->second;
  }
};

std::string id_of(const Result<std::shared_ptr<ml::Predictor>>& got) {
  if (!got || !*got) return "";
  return static_cast<const FakePredictor&>(**got).id();
}

TEST(PredictorCacheTest, SecondGetReusesTheLoadedEntry) {
  CountingLoader counter;
  PredictorCache cache(2, counter.loader());
  auto first = cache.get("t1");
  auto second = cache.get("t1");
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->get(), second->get());
  EXPECT_EQ(id_of(first), "t1");
  EXPECT_EQ(counter.count("t1"), 1);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(PredictorCacheTest, EvictsTheLeastRecentlyUsedBeyondCapacity) {
  CountingLoader counter;
  PredictorCache cache(2, counter.loader());
  ASSERT_TRUE(cache.get("a"));
  ASSERT_TRUE(cache.get("b"));
  ASSERT_TRUE(cache.get("a"));  // a is now newer than b
  ASSERT_TRUE(cache.get("c"));  // evicts b
  EXPECT_EQ(cache.size(), 2u);
  ASSERT_TRUE(cache.get("a"));
  ASSERT_TRUE(cache.get("c"));
  EXPECT_EQ(counter.count("a"), 1);
  EXPECT_EQ(counter.count("c"), 1);
  ASSERT_TRUE(cache.get("b"));  // reloaded; evicts a (c was used after a)
  EXPECT_EQ(counter.count("b"), 2);
  ASSERT_TRUE(cache.get("c"));
  EXPECT_EQ(counter.count("c"), 1);
  ASSERT_TRUE(cache.get("a"));
  EXPECT_EQ(counter.count("a"), 2);
}

TEST(PredictorCacheTest, ZeroCapacityStillKeepsOne) {
  CountingLoader counter;
  PredictorCache cache(0, counter.loader());
  ASSERT_TRUE(cache.get("a"));
  ASSERT_TRUE(cache.get("a"));
  EXPECT_EQ(counter.count("a"), 1);
  ASSERT_TRUE(cache.get("b"));
  EXPECT_EQ(cache.size(), 1u);
  ASSERT_TRUE(cache.get("a"));
  EXPECT_EQ(counter.count("a"), 2);
}

TEST(PredictorCacheTest, EvictedEntryStaysUsableByItsHolder) {
  CountingLoader counter;
  PredictorCache cache(1, counter.loader());
  auto held = cache.get("a");
  ASSERT_TRUE(held);
  ASSERT_TRUE(cache.get("b"));  // evicts a
  EXPECT_EQ(id_of(held), "a");
  EXPECT_EQ((*held)->classes().size(), 2u);
  EXPECT_EQ(held->use_count(), 1) << "the cache no longer holds it";
}

TEST(PredictorCacheTest, LoadFailureIsReturnedAndNotCached) {
  CountingLoader counter;
  PredictorCache cache(2, counter.loader());
  auto got = cache.get("bad1");
  ASSERT_FALSE(got);
  EXPECT_EQ(got.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.get("bad1"));
  EXPECT_EQ(counter.count("bad1"), 2) << "a failure must not be cached";
}

TEST(PredictorCacheTest, EraseDropsTheEntrySoTheNextGetReloads) {
  CountingLoader counter;
  PredictorCache cache(2, counter.loader());
  auto before = cache.get("a");
  ASSERT_TRUE(before);
  ASSERT_TRUE(cache.get("b"));
  cache.erase("a");
  cache.erase("never-loaded");  // harmless
  EXPECT_EQ(cache.size(), 1u);
  auto after = cache.get("a");
  ASSERT_TRUE(after);
  EXPECT_EQ(counter.count("a"), 2);
  EXPECT_NE(before->get(), after->get());
  EXPECT_EQ(counter.count("b"), 1) << "erase of a leaves b alone";
  ASSERT_TRUE(cache.get("b"));
  EXPECT_EQ(counter.count("b"), 1);
}

// Under churn (erase while others load): every get succeeds with the right id, and the cache ends
// with one entry per id.
TEST(PredictorCacheTest, ConcurrentGetsAreSafeAndLeaveOneEntryPerId) {
  CountingLoader counter;
  PredictorCache cache(3, counter.loader());
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string id = "id" + std::to_string((t + i) % 3);
        if (id_of(cache.get(id)) != id) ++wrong;
        if (i % 50 == 0) cache.erase(id);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong, 0);
  EXPECT_LE(cache.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    std::string id = "id" + std::to_string(i);
    int loads = counter.count(id);
    ASSERT_TRUE(cache.get(id));
    ASSERT_TRUE(cache.get(id));
    EXPECT_LE(counter.count(id), loads + 1) << "a settled cache loads an id at most once more";
  }
  EXPECT_EQ(cache.size(), 3u);
}

// Twelve threads missing one id at once: one load, whose predictor all of them share.
TEST(PredictorCacheTest, ConcurrentFirstGetsLoadOnceAndShareThePredictor) {
  std::atomic<int> loads{0};
  PredictorCache cache(2, [&](const std::string& id) -> PredictorCache::Loaded {
    ++loads;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));  // all threads arrive meanwhile
    if (id.starts_with("bad")) return fail(ErrorCode::kConflict, "no_bundle", "no bundle");
    return std::shared_ptr<ml::Predictor>(std::make_shared<FakePredictor>(id));
  });
  for (std::string id : {"fresh", "bad"}) {
    loads = 0;
    std::vector<PredictorCache::Loaded> got(12);
    std::vector<std::thread> threads;
    for (size_t t = 0; t < got.size(); ++t)
      threads.emplace_back([&, t] { got[t] = cache.get(id); });
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(loads.load(), 1) << id;
    for (const auto& one : got) {
      if (id == "bad") {
        ASSERT_FALSE(one);
        EXPECT_EQ(one.error().slug, "no_bundle") << "waiters share the load's error";
      } else {
        ASSERT_TRUE(one);
        EXPECT_EQ(one->get(), got[0]->get());
      }
    }
  }
  EXPECT_EQ(cache.size(), 1u) << "the failure is not cached";
}

TEST(PredictorCacheTest, EraseDuringALoadAnswersItsCallerButKeepsNothing) {
  std::atomic<bool> started{false};
  PredictorCache cache(2, [&](const std::string& id) -> PredictorCache::Loaded {
    started = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    return std::shared_ptr<ml::Predictor>(std::make_shared<FakePredictor>(id));
  });
  PredictorCache::Loaded got;
  std::thread loading([&] { got = cache.get("gone"); });
  while (!started) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  cache.erase("gone");  // the task was deleted while its model loaded
  loading.join();
  EXPECT_EQ(id_of(got), "gone");
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace trainbox::service
