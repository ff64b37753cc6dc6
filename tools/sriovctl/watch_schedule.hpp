#pragma once
// When sriovctl watch checks the host next: soon after kernel events settle (debounce), at the
// latest every `interval` (drift that comes with no event), never sooner than the back-off
// after failures allows, and never more than `max_repairs` repairs a minute (a device that
// keeps resetting must not turn watch into a loop that fights it). Pure: the clock is given.

#include <chrono>
#include <deque>
#include <optional>

namespace sriovctl {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

struct WatchLimits {
  milliseconds debounce{100};
  milliseconds interval{10000};
  unsigned max_repairs = 10;             // per minute
  milliseconds backoff_first{1000}, backoff_max{60000};
};

enum class RoundOutcome { in_sync, repaired, waiting, failed };

class WatchSchedule {
 public:
  explicit WatchSchedule(WatchLimits limits, Clock::time_point start)
      : limits_(limits), periodic_due_(start) {}

  // A relevant kernel event arrived at `now`.
  void event(Clock::time_point now);
  // A round ended at `now`.
  void round_done(Clock::time_point now, RoundOutcome outcome);
  // When the next round is due (may be in the past: run it now).
  Clock::time_point next_round() const;
  // The first event the coming round answers, if events triggered it (for its latency).
  std::optional<Clock::time_point> first_event() const { return first_event_; }
  // Why the next round waits longer than events and the interval ask ("" when it does not).
  const char* held_back_by() const;

 private:
  Clock::time_point not_before() const;

  WatchLimits limits_;
  Clock::time_point periodic_due_;
  std::optional<Clock::time_point> first_event_, last_event_;
  std::deque<Clock::time_point> repairs_;  // within the last minute
  unsigned failures_ = 0;
  Clock::time_point last_end_{};
};

}  // namespace sriovctl
