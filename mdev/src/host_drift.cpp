// Drift: the profile's plan against the host, read per device as differences. The same
// planners as apply, so that status reports exactly what apply would change and watch repairs
// exactly that.
#include <fmt/format.h>

#include "mdev/host_profile.hpp"

namespace mdev {

size_t HostDrift::differences() const {
  size_t n = 0;
  for (const auto& d : devices) n += d.differences.size() + (d.absent ? 1 : 0);
  return n;
}

HostDrift measure_drift(const HostSnapshot& host, const Profile& profile,
                        const GpuProfileRequest& request) {
  HostDrift drift;
  for (auto& part : draft_host_profile(host, profile, request)) {
    for (const auto& device : part.devices)
      drift.devices.push_back(
          {device.kind, device.name,
           sriov::net_drift(part.plan.steps, device.first, device.count), device.wanted,
           device.present, device.absent});
    drift.problems.insert(drift.problems.end(), part.problems.begin(), part.problems.end());
    drift.refusals.insert(drift.refusals.end(), part.refusals.begin(), part.refusals.end());
    for (auto& step : part.plan.steps) drift.repair.steps.push_back(std::move(step));
  }
  drift.repair.summary = fmt::format("repair {}", fmt::join(profile.files, ", "));
  return drift;
}

}  // namespace mdev
