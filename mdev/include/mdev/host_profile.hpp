#pragma once
// A whole profile against the whole host, NICs and GPUs in one call: the host layer, where
// libsriov (the nics part) and libmdev (the gpus part) are both visible. sriovctl plan/apply
// read the snapshot once (apply: under the host lock) and plan from it with no I/O.

#include <optional>
#include <vector>

#include "mdev/profile.hpp"
#include "sriov/inventory.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/planner.hpp"
#include "mdev/profile_file.hpp"

namespace mdev {

struct HostSnapshot {
  sriov::NicSnapshot nics;
  std::optional<GpuHostView> gpus;  // read only when the profile has gpus entries
};

// link: reads VF settings (nullptr: compared when the steps run).
sriov::Result<HostSnapshot> read_host_snapshot(const sriov::Sysfs& sysfs,
                                               const sriov::Inventory& inventory,
                                               const Profile& profile,
                                               sriov::LinkBackend* link);

// The nics steps, then the gpus steps; every problem of both parts at once, else every
// refusal, else the plan "apply <files>". A pure function of (profile, snapshot).
sriov::Result<sriov::Plan> plan_host_profile(const HostSnapshot& host, const Profile& profile,
                                             const GpuProfileRequest& request);

// The parts (nics, gpus) of the profile's plan before they are judged.
std::vector<sriov::ProfileDraft> draft_host_profile(const HostSnapshot& host,
                                                    const Profile& profile,
                                                    const GpuProfileRequest& request);

// How one device the profile covers (a PF, a GPU) differs from it.
struct DeviceDrift {
  std::string kind;  // "pf", "gpu"
  std::string name;
  std::vector<sriov::Difference> differences;
  unsigned wanted = 0, present = 0;   // VFs (a PF), vGPU instances (a GPU)
  std::optional<std::string> absent;  // the host lacks it now: why (file:line:col)
  bool in_sync() const { return differences.empty() && !absent; }
};

// How the host differs from a profile (sriovctl status, watch): per device, in profile order;
// the problems that stop the profile from being planned at all (file:line:col), what apply
// would refuse now, and `repair`: the steps that put the present devices back, which apply
// would run now (when there are no problems and no refusals).
struct HostDrift {
  std::vector<DeviceDrift> devices;
  std::vector<std::string> problems, refusals;
  sriov::Plan repair;
  size_t differences() const;  // in all devices, an absent device counting one
};
HostDrift measure_drift(const HostSnapshot& host, const Profile& profile,
                        const GpuProfileRequest& request);

}  // namespace mdev
