#pragma once
// Bounded, event-driven waits for kernel state.

#include <chrono>
#include <functional>

#include "sriov/sysfs.hpp"

namespace sriov {

// Returns true as soon as `ready()` holds, false when `timeout` passes first. On a live host
// it re-checks whenever the kernel sends a uevent (device add, bind, netdev add ...), with a
// one-second backstop in case an event is missed; on a fixture tree nothing would ever
// change, so it checks once.
bool wait_until(const Sysfs& sysfs, const std::function<bool()>& ready,
                std::chrono::milliseconds timeout);

}  // namespace sriov
