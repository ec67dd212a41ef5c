#include "service/predictor_cache.h"

namespace trainbox::service {

PredictorCache::PredictorCache(size_t capacity, Loader loader)
    : capacity_(capacity == 0 ? 1 : capacity), loader_(std::move(loader)) {}

Result<std::shared_ptr<ml::Predictor>> PredictorCache::get(const std::string& task_id) {
  {
    std::lock_guard lock(mutex_);
    if (auto it = index_.find(task_id); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  auto loaded = loader_(task_id);  // outside the lock: loading takes a while
  if (!loaded) return loaded;
  std::lock_guard lock(mutex_);
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
  return *loaded;
}

void PredictorCache::erase(const std::string& task_id) {
  std::lock_guard lock(mutex_);
  if (auto it = index_.find(task_id); it != index_.end()) {
    lru_.erase(it->second);
    index_.erase(it);
  }
}

size_t PredictorCache::size() const {
  std::lock_guard lock(mutex_);
  return lru_.size();
}

}  // namespace trainbox::service
