#include "sriov/wait.hpp"

#include <algorithm>
#include <thread>

#include "sriov/host_events.hpp"

namespace sriov {

bool wait_until(const Sysfs& sysfs, const std::function<bool()>& ready,
                std::chrono::milliseconds timeout) {
  // Most waits are over at once (the kernel finished within the write): no socket for those.
  if (ready()) return true;
  if (!sysfs.live()) return false;  // a fixture tree never changes
  auto events = HostEvents::open();  // subscribed before the next check: no event lost between
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    auto wait = std::min(left, std::chrono::milliseconds(1000));
    if (events) events->wait(wait);
    else std::this_thread::sleep_for(wait);
  }
}

}  // namespace sriov
