// Planning a profile's nics: the desired state of each PF against what the host has now.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "sriov/planner.hpp"

namespace sriov {
namespace {

// Who holds this VF through VFIO (holders.hpp's rule over the PF's holders), or "".
std::string held_by(const HostView& host, const VirtualFunction& vf) {
  for (const auto& h : host.holders)
    if (std::find(vf.vfio.files.begin(), vf.vfio.files.end(), h.path) != vf.vfio.files.end())
      return describe(h);
  return {};
}

class ProfilePlanner {
 public:
  ProfilePlanner(const Sysfs& sysfs, LinkBackend* link, const ProfileRequest& request)
      : sysfs_(sysfs), link_(link), request_(request), drivers_(list_pci_drivers(sysfs)) {}

  void entry(const NicEntry& nic, const std::vector<PhysicalFunction>& pfs) {
    if (pfs.size() > 1)
      for (const auto& e : nic.vfs)
        if (e.config.mac || e.config.mac_from)
          problems.push_back(fmt::format("{}: this entry matches {} PFs, which would all get the "
                                         "same MACs; give each PF its own entry (pf:)",
                                         e.pos.str(), pfs.size()));
    for (const auto& pf : pfs) {
      auto [it, fresh] = claimed_.emplace(pf.id, nic.pos);
      if (!fresh) {
        problems.push_back(fmt::format("{}: {} is also configured by the entry at {}",
                                       nic.pos.str(), pf.label(), it->second.str()));
        continue;
      }
      if (check(nic, pf)) plan_pf(nic, pf);
    }
  }

  std::vector<std::string> problems, refusals;
  Plan plan;

 private:
  bool check(const NicEntry& nic, const PhysicalFunction& pf) {
    size_t before = problems.size();
    if (pf.total_vfs && nic.num_vfs > *pf.total_vfs)
      problems.push_back(fmt::format("{}: num-vfs {} is above the {} VFs {} supports "
                                     "(sriov_totalvfs)",
                                     nic.num_vfs_pos.str(), nic.num_vfs, *pf.total_vfs,
                                     pf.label()));
    if (pf.is_pci && !pf.driver && nic.num_vfs != pf.num_vfs)
      problems.push_back(fmt::format("{}: {} has no driver bound, and VFs are enabled through "
                                     "the PF driver",
                                     nic.pos.str(), pf.label()));
    for (const auto& e : nic.vfs) {
      if (e.driver && !pf.is_pci)
        problems.push_back(fmt::format("{}: driver: the VFs of {} are not PCI functions",
                                       e.driver_pos.str(), pf.label()));
      else if (e.driver && std::find(drivers_.begin(), drivers_.end(), *e.driver) == drivers_.end())
        problems.push_back(fmt::format("{}: driver '{}' is not available (no "
                                       "/sys/bus/pci/drivers/{}; modprobe it first)",
                                       e.driver_pos.str(), *e.driver, *e.driver));
      if (!e.config.empty() && pf.netdevs.empty())
        problems.push_back(fmt::format("{}: {} has no netdev, and VF settings are made through "
                                       "it",
                                       e.pos.str(), pf.label()));
    }
    return problems.size() == before;
  }

  void plan_pf(const NicEntry& nic, const PhysicalFunction& pf) {
    auto host = read_host_view(sysfs_, pf);
    if (!host) {
      problems.push_back(fmt::format("{}: {}", nic.pos.str(), host.error().message));
      return;
    }
    size_t first = plan.steps.size();
    std::string label = pf.label();
    bool fresh = pf.num_vfs != nic.num_vfs;
    bool recreate = fresh && pf.num_vfs > 0;

    if (nic.drivers_autoprobe && pf.drivers_autoprobe &&
        *nic.drivers_autoprobe != *pf.drivers_autoprobe)
      plan.steps.push_back(SetAutoprobe{label, pf.sysfs_dir(), *pf.drivers_autoprobe,
                                        *nic.drivers_autoprobe});
    if (recreate) {
      auto vfio_list = vfio_vfs(*host);
      auto vfio = vfio_list.size();
      std::string vfio_driver = vfio_driver_names(vfio_list);
      if (!host->holders.empty())
        refusals.push_back(fmt::format(
            "{}: num-vfs {} -> {} would destroy VFs that a process holds open ({}); stop it first",
            label, pf.num_vfs, nic.num_vfs, describe(host->holders.front())));
      else if (!request_.allow_disruption)
        refusals.push_back(fmt::format(
            "{}: num-vfs {} -> {} destroys all {} VFs{} (the kernel changes the count only "
            "through 0); pass --allow-disruption",
            label, pf.num_vfs, nic.num_vfs, pf.num_vfs,
            vfio ? fmt::format(" ({} bound to {})", vfio, vfio_driver) : std::string()));
      SetNumVfs down{label, pf.sysfs_dir(), pf.num_vfs, 0, static_cast<unsigned>(vfio),
                     !pf.netdevs.empty(), {}, vfio ? vfio_driver : "vfio-pci"};
      for (const auto& vf : host->vfs) down.prior.push_back({vf.driver, vf.driver_override});
      plan.steps.push_back(down);
    }
    if (fresh && nic.num_vfs > 0)
      plan.steps.push_back(
          SetNumVfs{label, pf.sysfs_dir(), 0, nic.num_vfs, 0, !pf.netdevs.empty(), {}});
    settings(nic, pf, fresh);
    drivers(nic, pf, *host, fresh);
    if (plan.steps.size() == first) plan.notes.push_back(label + ": no change");
  }

  // VF settings go before drivers: MAC and VLAN are best set before a driver or a guest sees
  // the VF (some drivers reset the VF on a MAC change).
  void settings(const NicEntry& nic, const PhysicalFunction& pf, bool fresh) {
    SetVfSettings step{pf.label(), pf.netdevs.empty() ? "" : pf.netdevs.front(),
                       pf.driver.value_or("unknown"), {}, {}};
    bool any = false;
    for (const auto& e : nic.vfs)
      if (!e.config.empty()) any = true;
    if (!any) return;
    std::optional<VfDump> dump;
    if (!fresh && link_ && pf.num_vfs > 0) {
      auto d = link_->read(step.ifname);
      if (!d) {
        problems.push_back(fmt::format("{}: reading the VF settings of {}: {}", nic.pos.str(),
                                       pf.label(), d.error().message));
        return;
      }
      dump = std::move(*d);
    }
    for (const auto& e : nic.vfs) {
      if (e.config.empty()) continue;
      for (unsigned id : e.ids) {
        unsigned offset = id - e.ids.front();
        if (!dump) {
          step.deferred.push_back({id, e.config, offset});
          continue;
        }
        if (id >= dump->vfs.size()) continue;  // checked against num-vfs when parsing
        auto change = diff(dump->vfs[id], e.config, offset);
        if (!change) {
          problems.push_back(fmt::format("{}: VF {}: {}", e.pos.str(), id, change.error().message));
          continue;
        }
        if (change->fields) step.changes.push_back(*change);
      }
    }
    if (!step.changes.empty() || !step.deferred.empty()) plan.steps.push_back(step);
  }

  void drivers(const NicEntry& nic, const PhysicalFunction& pf, const HostView& host, bool fresh) {
    for (const auto& e : nic.vfs) {
      if (!e.driver) continue;
      for (unsigned id : e.ids) {
        BindDriver b;
        b.pf = pf.label();
        b.vf_index = id;
        b.to = e.driver;
        if (fresh) {
          auto address = pf.vf_address(id);
          if (!address) continue;
          b.vf = *address;
        } else {
          auto it = std::find_if(host.vfs.begin(), host.vfs.end(),
                                 [&](auto& v) { return v.index == id; });
          if (it == host.vfs.end() || !it->address) continue;
          if (it->driver == e.driver) continue;
          b.vf = *it->address;
          b.from = it->driver;
          b.from_override = it->driver_override;
          if (auto holder = held_by(host, *it); !holder.empty())
            refusals.push_back(fmt::format("{}: VF {} would move off {}, but {}", b.pf, id,
                                           it->driver.value_or("its driver"), holder));
          else if (b.from && !request_.allow_disruption)
            refusals.push_back(fmt::format("{}: VF {} would be rebound from {} to {}; pass "
                                           "--allow-disruption",
                                           b.pf, id, *b.from, *e.driver));
        }
        plan.steps.push_back(b);
      }
    }
  }

  const Sysfs& sysfs_;
  LinkBackend* link_;
  ProfileRequest request_;
  std::vector<std::string> drivers_;
  std::map<std::string, SourcePos> claimed_;
};

}  // namespace

bool matches(const PfSelector& s, const PhysicalFunction& pf) {
  if (s.vendor_id && (!pf.is_pci || pf.vendor_id != *s.vendor_id)) return false;
  if (s.device_id && (!pf.is_pci || pf.device_id != *s.device_id)) return false;
  if (s.driver && pf.driver != *s.driver) return false;
  return true;
}

ProfileDraft draft_nics_plan(const Sysfs& sysfs, const Inventory& inventory, const Profile& profile,
                             LinkBackend* link, const ProfileRequest& request) {
  ProfilePlanner planner(sysfs, link, request);
  for (const auto& nic : profile.nics) {
    std::vector<PhysicalFunction> pfs;
    if (nic.select.pf) {
      auto pf = inventory.find_pf(*nic.select.pf);
      if (!pf) {
        planner.problems.push_back(fmt::format("{}: pf: {}", nic.pos.str(), pf.error().message));
        continue;
      }
      pfs.push_back(*pf);
    } else {
      for (const auto& pf : inventory.pfs())
        if (matches(nic.select, pf)) pfs.push_back(pf);
      if (pfs.empty()) {
        planner.problems.push_back(fmt::format("{}: {} matches no SR-IOV PF of this host",
                                               nic.pos.str(), nic.select.str()));
        continue;
      }
    }
    planner.entry(nic, pfs);
  }
  return {std::move(planner.plan), std::move(planner.problems), std::move(planner.refusals)};
}

Result<Plan> finish_profile_plan(std::vector<ProfileDraft> parts, const Profile& profile) {
  std::vector<std::string> problems, refusals;
  Plan plan;
  for (auto& part : parts) {
    problems.insert(problems.end(), part.problems.begin(), part.problems.end());
    refusals.insert(refusals.end(), part.refusals.begin(), part.refusals.end());
    for (auto& step : part.plan.steps) plan.steps.push_back(std::move(step));
    plan.notes.insert(plan.notes.end(), part.plan.notes.begin(), part.plan.notes.end());
  }
  if (!problems.empty()) return tl::unexpected(profile_error(problems));
  if (!refusals.empty())
    return fail(Errc::refused,
                fmt::format("refusing to apply: {} disruptive change{}:\n{}", refusals.size(),
                            refusals.size() == 1 ? "" : "s", fmt::join(refusals, "\n")));
  plan.summary = fmt::format("apply {}", fmt::join(profile.files, ", "));
  return plan;
}

Result<Plan> plan_profile(const Sysfs& sysfs, const Inventory& inventory, const Profile& profile,
                          LinkBackend* link, const ProfileRequest& request) {
  std::vector<ProfileDraft> parts;
  parts.push_back(draft_nics_plan(sysfs, inventory, profile, link, request));
  return finish_profile_plan(std::move(parts), profile);
}

}  // namespace sriov
