#include "sriov/planner.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

namespace sriov {
namespace {

std::string list_addresses(const std::vector<const VirtualFunction*>& vfs, size_t max = 4) {
  std::string out;
  for (size_t i = 0; i < vfs.size() && i < max; ++i) {
    if (i) out += ", ";
    out += vfs[i]->address ? vfs[i]->address->str() : fmt::format("VF {}", vfs[i]->index);
  }
  if (vfs.size() > max) out += fmt::format(" and {} more", vfs.size() - max);
  return out;
}

// Destroying VFs that a process holds open would block in the kernel until it lets go (a
// running VM): refused whatever the flags.
Status refuse_if_held(const HostView& host, std::string_view what) {
  if (host.holders.empty()) return {};
  return fail(Errc::refused,
              fmt::format("refusing to {} on {}: VFs bound to a VFIO driver are open by a process "
                          "({}); the kernel would block until it lets go. Stop that process (shut "
                          "down the VM or detach the device) first",
                          what, host.pf.label(), describe(host.holders)),
              host.pf.sysfs_dir());
}

// Moving one VF off its VFIO driver while a process holds it would block until it lets go.
Status refuse_if_held_vf(const std::vector<Holder>& holders, const std::string& name,
                         const VirtualFunction& vf) {
  for (const auto& h : holders)
    if (std::find(vf.vfio.files.begin(), vf.vfio.files.end(), h.path) != vf.vfio.files.end())
      return fail(Errc::refused,
                  fmt::format("refusing to move {} off {}: {}; unbinding would block until that "
                              "process lets go",
                              name, vf.driver.value_or("its driver"), describe(h)),
                  vf.device_path);
  return {};
}

std::string vf_name(const PhysicalFunction& pf, const VirtualFunction& vf) {
  return fmt::format("VF {} ({}) of {}", vf.index, vf.address ? vf.address->str() : "?",
                     pf.label());
}

bool has_driver(const std::vector<std::string>& drivers, std::string_view name) {
  return std::find(drivers.begin(), drivers.end(), name) != drivers.end();
}

Status check_driver_available(const std::vector<std::string>& drivers, const std::string& name) {
  if (has_driver(drivers, name)) return {};
  return fail(Errc::not_found,
              fmt::format("driver '{}' is not available: no /sys/bus/pci/drivers/{} (load it with "
                          "'modprobe {}' or check the name)",
                          name, name, name),
              "/sys/bus/pci/drivers/" + name);
}

SetNumVfs numvfs_step(const HostView& host, unsigned from, unsigned to) {
  SetNumVfs s;
  s.pf = host.pf.label();
  s.pf_path = host.pf.sysfs_dir();
  s.from = from;
  s.to = to;
  if (from > 0) {
    auto vfio = vfio_vfs(host);
    s.vfio_bound = static_cast<unsigned>(vfio.size());
    if (!vfio.empty()) s.vfio_driver = vfio_driver_names(vfio);
    // Known now, so that the journal has it even if the run is killed during this step.
    for (const auto& vf : host.vfs) s.prior.push_back({vf.driver, vf.driver_override});
  }
  s.wait_netdevs = !host.pf.netdevs.empty();
  return s;
}

}  // namespace

std::vector<const VirtualFunction*> vfio_vfs(const HostView& host) {
  std::vector<const VirtualFunction*> out;
  for (const auto& vf : host.vfs)
    if (vf.vfio.managed) out.push_back(&vf);
  return out;
}

std::string vfio_driver_names(const std::vector<const VirtualFunction*>& vfs) {
  std::vector<std::string> names;
  for (const auto* vf : vfs) {
    std::string name = vf->driver.value_or("a VFIO driver");
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  }
  return fmt::format("{}", fmt::join(names, " or "));
}

std::vector<std::string> list_pci_drivers(const Sysfs& sysfs) {
  return sysfs.list("/sys/bus/pci/drivers");
}

Result<HostView> read_host_view(const Sysfs& sysfs, const PhysicalFunction& pf) {
  HostView view;
  view.pf = pf;
  auto vfs = read_vfs(sysfs, pf);
  if (!vfs) return tl::unexpected(vfs.error());
  view.vfs = std::move(*vfs);
  std::vector<std::string> files;
  for (const auto& vf : view.vfs) files.insert(files.end(), vf.vfio.files.begin(), vf.vfio.files.end());
  view.holders = VfioHolders::scan_if_any(sysfs, files).of(files);
  view.pci_drivers = list_pci_drivers(sysfs);
  return view;
}

Result<Plan> plan_destroy(const HostView& host, bool force) {
  Plan plan;
  plan.summary = fmt::format("destroy the VFs of {}", host.pf.label());
  if (host.pf.num_vfs == 0) {
    plan.notes.push_back(fmt::format("{} has no VFs", host.pf.label()));
    return plan;
  }
  if (auto held = refuse_if_held(host, "destroy VFs"); !held) return tl::unexpected(held.error());
  auto vfio = vfio_vfs(host);
  if (!vfio.empty() && !force)
    return fail(Errc::refused,
                fmt::format("refusing to destroy the {} VFs of {}: {} of them are bound to {} "
                            "({}) and may be assigned to VMs; pass --force to destroy them anyway",
                            host.pf.num_vfs, host.pf.label(), vfio.size(), vfio_driver_names(vfio),
                            list_addresses(vfio)),
                host.pf.sysfs_dir());
  plan.steps.push_back(numvfs_step(host, host.pf.num_vfs, 0));
  return plan;
}

Result<Plan> plan_create(const HostView& host, const CreateRequest& request) {
  const auto& pf = host.pf;
  if (request.count == 0) return plan_destroy(host, request.force);
  Plan plan;
  plan.summary = fmt::format("create {} VFs on {}", request.count, pf.label());
  if (pf.total_vfs && request.count > *pf.total_vfs)
    return fail(Errc::invalid_input,
                fmt::format("cannot create {} VFs on {}: it supports at most {} (sriov_totalvfs; "
                            "the kernel would answer ERANGE)",
                            request.count, pf.label(), *pf.total_vfs),
                pf.sysfs_dir() + "/sriov_totalvfs");
  if (pf.is_pci && !pf.driver)
    return fail(Errc::unsupported,
                fmt::format("cannot create VFs on {}: no driver is bound to the PF, and the kernel "
                            "enables VFs through the PF driver (it would answer ENOENT); bind the "
                            "PF's driver first",
                            pf.label()),
                pf.sysfs_dir() + "/driver");
  if (request.driver) {
    if (!pf.is_pci || !pf.vf_offset || !pf.vf_stride)
      return fail(Errc::invalid_input,
                  fmt::format("--driver needs PCI VFs, and the VFs of {} are not PCI functions",
                              pf.label()));
    if (auto ok = check_driver_available(host.pci_drivers, *request.driver); !ok)
      return tl::unexpected(ok.error());
  }

  bool recreate = pf.num_vfs > 0 && pf.num_vfs != request.count;
  if (recreate) {
    if (auto held = refuse_if_held(host, fmt::format("change the VF count to {}", request.count));
        !held)
      return tl::unexpected(held.error());
    if (!request.force) {
      auto vfio = vfio_vfs(host);
      std::string bound = vfio.empty() ? std::string()
                                       : fmt::format(", {} bound to {}: {}", vfio.size(),
                                                     vfio_driver_names(vfio), list_addresses(vfio));
      return fail(Errc::refused,
                  fmt::format("refusing to change the VF count of {} from {} to {}: the kernel "
                              "changes it only through 0, which destroys all {} VFs{}; run "
                              "'sriovctl destroy' first or pass --force",
                              pf.label(), pf.num_vfs, request.count, pf.num_vfs, bound),
                  pf.sysfs_dir() + "/sriov_numvfs");
    }
  }

  bool fresh = pf.num_vfs != request.count;
  // Autoprobe is read only when VFs are created, so it is only changed then: to 0 with
  // --no-autoprobe, back to the kernel's default 1 without it (a 0 left by an earlier
  // --no-autoprobe would otherwise leave the new VFs without a driver).
  if (fresh && pf.drivers_autoprobe && *pf.drivers_autoprobe == request.no_autoprobe)
    plan.steps.push_back(
        SetAutoprobe{pf.label(), pf.sysfs_dir(), *pf.drivers_autoprobe, !request.no_autoprobe});
  if (recreate) plan.steps.push_back(numvfs_step(host, pf.num_vfs, 0));
  if (fresh) plan.steps.push_back(numvfs_step(host, 0, request.count));
  else plan.notes.push_back(fmt::format("{} already has {} VFs", pf.label(), request.count));

  if (request.driver) {
    bool autoprobe = !request.no_autoprobe;  // what create leaves it at when it makes VFs
    if (fresh && autoprobe)
      plan.notes.push_back(fmt::format(
          "autoprobe is on: the new VFs are probed by their default driver first and moved to {} "
          "after (pass --no-autoprobe to skip that)",
          *request.driver));
    for (unsigned i = 0; i < request.count; ++i) {
      BindDriver b;
      b.pf = pf.label();
      b.vf_index = i;
      b.vf = *pf.vf_address(i);
      b.to = request.driver;
      if (!fresh) {
        auto it = std::find_if(host.vfs.begin(), host.vfs.end(),
                               [&](auto& v) { return v.index == i; });
        if (it != host.vfs.end()) {
          if (it->driver == request.driver) continue;
          if (auto held = refuse_if_held_vf(host.holders, vf_name(pf, *it), *it); !held)
            return tl::unexpected(held.error());
          b.from = it->driver;
          b.from_override = it->driver_override;
        }
      }
      plan.steps.push_back(b);
    }
  }
  return plan;
}

Result<Plan> plan_bind(const std::vector<VfTarget>& targets, const std::optional<std::string>& to,
                       const std::vector<std::string>& pci_drivers,
                       const std::vector<Holder>& holders) {
  Plan plan;
  if (to) {
    if (auto ok = check_driver_available(pci_drivers, *to); !ok) return tl::unexpected(ok.error());
  }
  for (const auto& [pf, vf] : targets) {
    if (!vf.address)
      return fail(Errc::invalid_input,
                  fmt::format("VF {} of {} is not a PCI function; only PCI VFs can be bound to a "
                              "driver",
                              vf.index, pf.label()));
    std::string name = vf_name(pf, vf);
    if (vf.driver == to) {
      plan.notes.push_back(to ? fmt::format("{} is already on {}", name, *to)
                              : fmt::format("{} has no driver", name));
      continue;
    }
    if (auto held = refuse_if_held_vf(holders, name, vf); !held)
      return tl::unexpected(held.error());
    if (to == "vfio-pci" && !vf.iommu_group_peers.empty())
      plan.notes.push_back(fmt::format(
          "{} shares IOMMU group {} with {}: VFIO assigns the whole group", name,
          vf.iommu_group.value_or(0), fmt::join(vf.iommu_group_peers, ", ")));
    BindDriver b;
    b.pf = pf.label();
    b.vf_index = vf.index;
    b.vf = *vf.address;
    b.from = vf.driver;
    b.from_override = vf.driver_override;
    b.to = to;
    plan.steps.push_back(b);
  }
  if (!targets.empty())
    plan.summary = to ? fmt::format("bind {} VF{} to {}", targets.size(),
                                    targets.size() == 1 ? "" : "s", *to)
                      : fmt::format("unbind {} VF{}", targets.size(),
                                    targets.size() == 1 ? "" : "s");
  return plan;
}

}  // namespace sriov
