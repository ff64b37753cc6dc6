#include "watch_schedule.hpp"

#include <algorithm>

namespace sriovctl {

void WatchSchedule::event(Clock::time_point now) {
  if (!first_event_) first_event_ = now;
  last_event_ = now;
}

void WatchSchedule::round_done(Clock::time_point now, RoundOutcome outcome) {
  last_end_ = now;
  first_event_.reset();
  last_event_.reset();
  periodic_due_ = now + limits_.interval;
  if (outcome == RoundOutcome::failed) ++failures_;
  else failures_ = 0;
  if (outcome == RoundOutcome::repaired) repairs_.push_back(now);
  while (!repairs_.empty() && now - repairs_.front() >= std::chrono::minutes(1))
    repairs_.pop_front();
}

Clock::time_point WatchSchedule::not_before() const {
  Clock::time_point t{};
  if (failures_ > 0) {
    auto backoff = limits_.backoff_first;
    for (unsigned i = 1; i < failures_ && backoff < limits_.backoff_max; ++i) backoff *= 2;
    t = std::max(t, last_end_ + std::min(backoff, limits_.backoff_max));
  }
  // Fewer than max_repairs in the minute before the round: the oldest of the last
  // max_repairs must be a minute old.
  if (limits_.max_repairs > 0 && repairs_.size() >= limits_.max_repairs)
    t = std::max(t, repairs_[repairs_.size() - limits_.max_repairs] + std::chrono::minutes(1));
  return t;
}

const char* WatchSchedule::held_back_by() const {
  if (limits_.max_repairs > 0 && repairs_.size() >= limits_.max_repairs)
    return "the repair limit (--max-repairs a minute)";
  if (failures_ > 0) return "the back-off after failed rounds";
  return "";
}

Clock::time_point WatchSchedule::next_round() const {
  auto due = periodic_due_;
  // Events settle first: a PF reset arrives as a burst (device, netdevs, VFs); the round
  // waits until `debounce` passes without one, and at most 5 debounces after the first.
  if (last_event_)
    due = std::min(due, std::min(*last_event_ + limits_.debounce,
                                 *first_event_ + 5 * limits_.debounce));
  return std::max(due, not_before());
}

}  // namespace sriovctl
