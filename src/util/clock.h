#pragma once
// Time as milliseconds since the Unix epoch, behind an interface so tests can inject a fake.

#include <atomic>
#include <cstdint>
#include <string>

namespace trainbox {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual int64_t now_ms() const = 0;
};

class SystemClock final : public Clock {
 public:
  int64_t now_ms() const override;
};

// A clock that only moves when told to. Safe for concurrent use.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t start_ms = 1'700'000'000'000) : now_(start_ms) {}
  int64_t now_ms() const override { return now_.load(); }
  void advance_ms(int64_t delta) { now_ += delta; }

 private:
  std::atomic<int64_t> now_;
};

// "2026-11-26T12:00:00.123Z"
std::string format_iso8601(int64_t epoch_ms);

}  // namespace trainbox
