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
  ProfilePlanner(const NicSnapshot& host, const ProfileRequest& request)
      : host_(host), request_(request), drivers_(host.pci_drivers) {}

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
  std::vector<CoveredDevice> devices;
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
    auto view = host_.views.find(pf.id);
    if (view == host_.views.end()) {
      problems.push_back(fmt::format("{}: {}: its VFs were not read", nic.pos.str(), pf.label()));
      return;
    }
    const HostView* host = &view->second;
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
    devices.push_back({"pf", label, first, plan.steps.size() - first, nic.num_vfs, pf.num_vfs, {}});
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
    const VfDump* dump = nullptr;
    if (auto read = host_.settings.find(pf.id); !fresh && read != host_.settings.end()) {
      if (!read->second) {
        problems.push_back(fmt::format("{}: reading the VF settings of {}: {}", nic.pos.str(),
                                       pf.label(), read->second.error().message));
        return;
      }
      dump = &*read->second;
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

  const NicSnapshot& host_;
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

Result<std::vector<PhysicalFunction>> select_pfs(const NicSnapshot& host, const NicEntry& nic) {
  std::vector<PhysicalFunction> out;
  if (nic.select.pf) {
    auto named = host.named.find(*nic.select.pf);
    if (named == host.named.end())
      return fail(Errc::not_found, fmt::format("{}: pf: {} was not looked up", nic.pos.str(),
                                               *nic.select.pf));
    if (!named->second)
      return fail(named->second.error().code,
                  fmt::format("{}: pf: {}", nic.pos.str(), named->second.error().message));
    return std::vector<PhysicalFunction>{*named->second};
  }
  for (const auto& pf : host.pfs)
    if (matches(nic.select, pf)) out.push_back(pf);
  if (out.empty())
    return fail(Errc::not_found, fmt::format("{}: {} matches no SR-IOV PF of this host",
                                             nic.pos.str(), nic.select.str()));
  return out;
}

Result<NicSnapshot> read_nic_snapshot(const Sysfs& sysfs, const Inventory& inventory,
                                      const std::vector<NicEntry>& nics, LinkBackend* link) {
  NicSnapshot host;
  host.pfs = inventory.pfs();
  host.pci_drivers = list_pci_drivers(sysfs);
  for (const auto& nic : nics)
    if (nic.select.pf) host.named.emplace(*nic.select.pf, inventory.find_pf(*nic.select.pf));
  // The selected PFs' VFs; VF settings where an entry sets some on VFs that exist.
  std::vector<std::string> files;
  for (const auto& nic : nics) {
    auto pfs = select_pfs(host, nic);
    if (!pfs) continue;  // the planner reports it
    bool settings = std::any_of(nic.vfs.begin(), nic.vfs.end(),
                                [](const VfEntry& e) { return !e.config.empty(); });
    for (const auto& pf : *pfs) {
      if (!host.views.count(pf.id)) {
        HostView view;
        view.pf = pf;
        auto vfs = read_vfs(sysfs, pf);
        if (!vfs) return tl::unexpected(vfs.error());
        view.vfs = std::move(*vfs);
        view.pci_drivers = host.pci_drivers;
        for (const auto& vf : view.vfs)
          files.insert(files.end(), vf.vfio.files.begin(), vf.vfio.files.end());
        host.views.emplace(pf.id, std::move(view));
      }
      if (settings && link && pf.num_vfs > 0 && !pf.netdevs.empty() && !host.settings.count(pf.id))
        host.settings.emplace(pf.id, link->read(pf.netdevs.front()));
    }
  }
  // One /proc scan for every selected PF's VFs: each view keeps the holders of its own VFs.
  auto holders = VfioHolders::scan_if_any(sysfs, files);
  for (auto& [id, view] : host.views)
    for (const auto& vf : view.vfs)
      for (const auto& h : holders.of(vf.vfio)) view.holders.push_back(h);
  return host;
}

ProfileDraft draft_nics_plan(const NicSnapshot& host, const std::vector<NicEntry>& nics,
                             const ProfileRequest& request) {
  ProfilePlanner planner(host, request);
  for (const auto& nic : nics) {
    auto pfs = select_pfs(host, nic);
    if (!pfs && pfs.error().code == Errc::not_found)
      planner.devices.push_back({"pf", nic.select.pf.value_or(nic.select.str()), 0, 0,
                                 nic.num_vfs, 0, pfs.error().message});
    else if (!pfs)
      planner.problems.push_back(pfs.error().message);
    else
      planner.entry(nic, *pfs);
  }
  return {std::move(planner.plan), std::move(planner.problems), std::move(planner.refusals),
          std::move(planner.devices)};
}

Result<Plan> finish_profile_plan(std::vector<ProfileDraft> parts,
                                 const std::vector<std::string>& files) {
  std::vector<std::string> problems, refusals;
  Plan plan;
  for (auto& part : parts) {
    for (const auto& d : part.devices)
      if (d.absent) problems.push_back(*d.absent);
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
  plan.summary = fmt::format("apply {}", fmt::join(files, ", "));
  return plan;
}

Result<Plan> plan_profile(const NicSnapshot& host, const std::vector<NicEntry>& nics,
                          const std::vector<std::string>& files, const ProfileRequest& request) {
  std::vector<ProfileDraft> parts;
  parts.push_back(draft_nics_plan(host, nics, request));
  return finish_profile_plan(std::move(parts), files);
}

}  // namespace sriov
