#pragma once
// A bounded LRU of loaded models, so repeated predictions on a task don't reload its bundle.
// Entries are shared_ptr because a prediction may still be running when its entry is evicted.
// Safe for concurrent use. Loads are single-flight: threads missing the same task wait for the one
// load in progress and share its predictor (or its error); loads of different tasks run at once.

#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ml/api.h"

namespace trainbox::service {

class PredictorCache {
 public:
  using Loaded = Result<std::shared_ptr<ml::Predictor>>;
  using Loader = std::function<Loaded(const std::string& task_id)>;
  PredictorCache(size_t capacity, Loader loader);

  Loaded get(const std::string& task_id);
  // Drops the task's entry; a load in progress then still answers its waiters but is not kept.
  void erase(const std::string& task_id);
  size_t size() const;

 private:
  struct Flight {
    std::shared_future<Loaded> result;
    bool erased = false;  // erase() came while it loaded
  };
  Loaded load(const std::string& task_id, const std::shared_ptr<Flight>& flight,
              std::promise<Loaded>& promise);

  size_t capacity_;
  Loader loader_;
  mutable std::mutex mutex_;
  std::list<std::pair<std::string, std::shared_ptr<ml::Predictor>>> lru_;  // front = newest
  std::unordered_map<std::string, decltype(lru_)::iterator> index_;
  std::unordered_map<std::string, std::shared_ptr<Flight>> loading_;
};

}  // namespace trainbox::service
