#pragma once
// vGPU planning: pure functions of (request, host model) -> Plan or an Error that says why.
// "N instances of at least SIZE framebuffer [on these GPUs | NUMA node n]" becomes one type
// and a placement across GPUs that respects the vendor's rules: one type per physical GPU
// unless it mixes types (heterogeneous), capacity from available_instances or the VFs'
// creatable lists, and the smallest type that fits.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mdev/vgpu.hpp"
#include "sriov/error.hpp"
#include "sriov/plan.hpp"

namespace mdev {

struct VgpuRequest {
  unsigned count = 1;
  std::optional<uint64_t> min_framebuffer;  // pick the smallest type with at least this much
  std::optional<std::string> type;          // or this type (id or name)
  std::optional<char> profile_class;        // only types of this NVIDIA class (Q, B, A, C)
  std::vector<std::string> within;          // GPU or slot ids allowed (empty: every GPU)
  std::optional<int> numa_node;             // only GPUs on this NUMA node
  std::vector<std::string> uuids;           // UUIDs the user chose, used first (mdev only)
  std::vector<std::string> spare_uuids;     // fresh UUIDs for the other mdev instances
};

struct Placement {
  std::string gpu;
  std::string slot;      // mdev parent or VF
  std::string instance;  // UUID (mdev) or VF address
};

struct VgpuPlan {
  sriov::Plan plan;
  std::string type_id, type_name;
  std::optional<uint64_t> framebuffer;
  std::vector<Placement> placements;
};

sriov::Result<VgpuPlan> plan_create(const VgpuHost& host, const VgpuRequest& request);

// The step that removes one instance: RemoveMdev, or the VF's current_vgpu_type back to 0.
// Instances that are not vgpuctl's to remove (Intel xe VFs) are Errc::unsupported.
sriov::Result<sriov::Step> remove_step(const Gpu& gpu, const VgpuInstance& instance);

// Removes instances by UUID or VF address (NVIDIA vendor VFIO). Unknown ids are an error.
sriov::Result<sriov::Plan> plan_remove(const VgpuHost& host, const std::vector<std::string>& ids);
// Removes every instance on a GPU or slot.
sriov::Result<sriov::Plan> plan_remove_all(const VgpuHost& host, const Target& target);

}  // namespace mdev
