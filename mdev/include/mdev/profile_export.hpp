#pragma once
// The host as a profile (sriovctl show --profile): what the host is now, in the keys of
// sriov-profile(5), so that `apply` of it keeps the host as it is and `plan` of it has no
// step, like nmstatectl show. One home for writing profiles; profile_file.cpp reads them.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mdev/profile.hpp"
#include "sriov/device.hpp"
#include "sriov/link_backend.hpp"

namespace mdev {

// One PF as read: its VFs (drivers) and, where the host has rtnetlink, their settings.
struct ExportedPf {
  sriov::PhysicalFunction pf;
  std::vector<sriov::VirtualFunction> vfs;
  std::optional<sriov::VfDump> settings;
};

// The profile, keys in the order sriov-profile(5) gives them: per PF its address, VF count,
// autoprobe, and VF entries for runs of consecutive VFs that share a driver and settings
// (consecutive MACs become mac-from). VFs bound to no driver and with no settings read get
// no entry: apply leaves them as they are.
// gpus: per vGPU-capable GPU, an entry per type it runs instances of (count, the UUIDs of
// mdev instances, and start: when every instance has a definition of one mode and the GPU has
// no other definition that entry would own). GPUs with no instance get no entry.
nlohmann::ordered_json export_profile(const std::vector<ExportedPf>& pfs,
                                      const GpuHostView* gpus);

// The profile as YAML that load_profile reads back (strings double-quoted).
std::string profile_yaml(const nlohmann::ordered_json& profile);

}  // namespace mdev
