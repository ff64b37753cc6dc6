#include "mdev/host_profile.hpp"

namespace mdev {

sriov::Result<HostSnapshot> read_host_snapshot(const sriov::Sysfs& sysfs,
                                               const sriov::Inventory& inventory,
                                               const Profile& profile,
                                               sriov::LinkBackend* link) {
  HostSnapshot host;
  auto nics = sriov::read_nic_snapshot(sysfs, inventory, profile.nics, link);
  if (!nics) return tl::unexpected(nics.error());
  host.nics = std::move(*nics);
  if (!profile.gpus.empty()) {
    auto gpus = read_gpu_host_view(sysfs);
    if (!gpus) return tl::unexpected(gpus.error());
    host.gpus = std::move(*gpus);
  }
  return host;
}

std::vector<sriov::ProfileDraft> draft_host_profile(const HostSnapshot& host,
                                                    const Profile& profile,
                                                    const GpuProfileRequest& request) {
  std::vector<sriov::ProfileDraft> parts;
  parts.push_back(sriov::draft_nics_plan(host.nics, profile.nics, {request.allow_disruption}));
  if (host.gpus) parts.push_back(draft_gpus_plan(*host.gpus, profile, request));
  return parts;
}

sriov::Result<sriov::Plan> plan_host_profile(const HostSnapshot& host, const Profile& profile,
                                             const GpuProfileRequest& request) {
  return sriov::finish_profile_plan(draft_host_profile(host, profile, request), profile.files);
}

}  // namespace mdev
