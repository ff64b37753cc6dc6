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

}  // namespace mdev
