#pragma once
// The gpus entries of a profile (sriov-profile(5)) planned against the vGPU model. libsriov
// parses them into plain data (GpuEntry); this is where they meet the host: each entry
// wants exactly `count` instances of one type on every GPU it selects. The planner is a pure
// function of (profile, GpuHostView); its steps join the NIC steps in one plan that sriovctl's
// executor runs (one lock, one journal, one rollback).

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "mdev/mdevctl.hpp"
#include "mdev/vgpu.hpp"
#include "sriov/error.hpp"
#include "sriov/planner.hpp"
#include "mdev/profile_file.hpp"
#include "sriov/sysfs.hpp"

namespace mdev {

// What the planner needs besides the vGPU model (which says who holds each instance), read
// once so that planning does no I/O: the mdevctl definitions.
struct GpuHostView {
  VgpuHost host;
  std::vector<Definition> definitions;
  std::vector<std::string> warnings;  // definitions that could not be read
};
sriov::Result<GpuHostView> read_gpu_host_view(const sriov::Sysfs& sysfs);

struct GpuProfileRequest {
  bool allow_disruption = false;  // removing instances, changing the type of a GPU
  // A new UUID for each instance that neither the entry's uuids nor a definition names.
  std::function<sriov::Result<std::string>()> fresh_uuid;
};

// Per GPU, in the order the entries first select them: instance removals (extra instances, or
// instances of another type on a GPU that runs one type at a time), definition removals,
// creations, definition writes. UUIDs stay stable: running instances are kept, then the
// entry's uuids are used, then definitions of that parent and type (started), then fresh ones.
// Problems (file:line:col, naming the GPU): unknown GPU or type, no type that large, not
// enough room, start/uuids on a GPU without mdev, two entries that contradict each other,
// UUIDs already in use elsewhere. Refusals: removals without allow_disruption, and removing an
// instance a process holds open (always).
sriov::ProfileDraft draft_gpus_plan(const GpuHostView& view, const Profile& profile,
                                    const GpuProfileRequest& request);

// The GPUs an entry's selector reaches (for --wait-for-devices): none when they are not
// there (yet). GPUs that only list VFs (Intel xe) are not vGPU-capable and never selected.
std::vector<const Gpu*> select_gpus(const VgpuHost& host, const GpuSelector& selector);
// Whether every gpus entry of the profile selects at least one GPU.
bool profile_gpus_present(const VgpuHost& host, const Profile& profile);

}  // namespace mdev
