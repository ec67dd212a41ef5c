#include "service/predictor_cache.h"

namespace trainbox::service {

PredictorCache::PredictorCache(size_t capacity, Loader loader)
    : capacity_(capacity == 0 ? 1 : capacity), loader_(std::move(loader)) {}

PredictorCache::Loaded PredictorCache::get(const std::string& task_id) {
  std::unique_lock lock(mutex_);
  if (auto it = index_.find(task_id); it != index_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->second;
  }
  if (auto it = loading_.find(task_id); it != loading_.end()) {
    auto waiting = it->second->result;  // another thread loads it: wait for it, unlocked
    lock.unlock();
    return waiting.get();
  }
  std::promise<Loaded> promise;
  auto flight = std::make_shared<Flight>();
  flight->result = promise.get_future().share();
  loading_[task_id] = flight;
  lock.unlock();
  return load(task_id, flight, promise);
}

PredictorCache::Loaded PredictorCache::load(const std::string& task_id,
                                            const std::shared_ptr<Flight>& flight,
                                            std::promise<Loaded>& promise) {
  Loaded loaded = fail(ErrorCode::kInternal, "predictor_load_failed", "the model did not load");
  try {
    loaded = loader_(task_id);  // outside the lock: loading takes a while
  } catch (const std::exception& error) {
    loaded = fail(ErrorCode::kInternal, "predictor_load_failed",
                  std::string("the model did not load: ") + error.what());
  }
  {
    std::lock_guard lock(mutex_);
    loading_.erase(task_id);
    if (loaded && !flight->erased) {
      if (auto it = index_.find(task_id); it != index_.end()) {
        lru_.erase(it->second);
        index_.erase(it);
      }
      lru_.emplace_front(task_id, *loaded);
      index_[task_id] = lru_.begin();
      while (lru_.size() > capacity_) {
        index_.erase(lru_.back().first);
        lru_.pop_back();
      }
    }
  }
  promise.set_value(loaded);
  return loaded;
}

void PredictorCache::erase(const std::string& task_id) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(task_id); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
  if (auto it = loading_.find(task_id); it != loading_.end()) it->second->erased = true;
}

size_t PredictorCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace trainbox::service
