#pragma once
// A bounded LRU of loaded models, so repeated predictions on a task don't reload its bundle.
// Entries are shared_ptr because a prediction may still be running when its entry is evicted.
// Safe for concurrent use; two threads missing the same task may both load it (the second wins).

#include <filesystem>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ml/api.h"

namespace trainbox::service {

class PredictorCache {
 public:
  using Loader = std::function<Result<std::shared_ptr<ml::Predictor>>(const std::string& task_id)>;
  PredictorCache(size_t capacity, Loader loader);

  Result<std::shared_ptr<ml::Predictor>> get(const std::string& task_id);
  void erase(const std::string& task_id);
  size_t size() const;

 private:
  size_t capacity_;
  Loader loader_;
  mutable std::mutex mutex_;
  std::list<std::pair<std::string, std::shared_ptr<ml::Predictor>>> lru_;  // front = newest
  std::unordered_map<std::string, decltype(lru_)::iterator> index_;
};

}  // namespace trainbox::service
