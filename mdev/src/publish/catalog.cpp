// The catalog: every VF and vGPU instance of the host as an assignable device, read once.
#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mdev/profile.hpp"
#include "mdev/publish.hpp"
#include "sriov/planner.hpp"
#include "sriov/text.hpp"

namespace mdev::publish {
namespace {

// VFs of a network PF are NICs; an NVMe's or an accelerator's are plain PCI devices.
bool network_pf(const sriov::Sysfs& sysfs, const sriov::PhysicalFunction& pf) {
  if (!pf.netdevs.empty()) return true;
  auto cls = sysfs.read_int_opt(sriov::join_path(pf.device_path, "class"), 16);
  return cls && (*cls >> 16) == 0x02;
}

void add_settings(const sriov::PhysicalFunction& pf, sriov::LinkBackend* link,
                  std::vector<Device>& devices, size_t first, Catalog& catalog) {
  if (!link || pf.netdevs.empty()) return;
  auto dump = link->read(pf.netdevs.front());
  if (!dump) {
    catalog.warnings.push_back(
        fmt::format("VF settings of {}: {}", pf.label(), dump.error().message));
    return;
  }
  for (size_t i = first; i < devices.size(); ++i) {
    unsigned index = *devices[i].vf_index;
    if (index >= dump->vfs.size()) continue;
    const auto& s = dump->vfs[index].settings;
    devices[i].mac = s.mac.str();
    devices[i].vlan = s.vlan;
  }
}

sriov::Status add_vfs(const sriov::Sysfs& sysfs, const sriov::PhysicalFunction& pf,
                      sriov::LinkBackend* link, Catalog& catalog) {
  auto vfs = sriov::read_vfs(sysfs, pf);
  if (!vfs) return tl::unexpected(vfs.error());
  Kind kind = network_pf(sysfs, pf) ? Kind::nic_vf : Kind::pci;
  size_t first = catalog.devices.size();
  for (const auto& vf : *vfs) {
    if (!vf.address) continue;
    Device d;
    d.kind = kind;
    d.id = vf.address->str();
    d.address = vf.address;
    d.parent = pf.id;
    d.parent_netdev = pf.netdevs.empty() ? "" : pf.netdevs.front();
    d.vf_index = vf.index;
    d.numa_node = pf.numa_node;
    d.iommu_group = vf.iommu_group;
    d.group_peers = vf.iommu_group_peers;
    d.vfio = vf.vfio;
    d.vendor_id = pf.vendor_id;
    d.device_id = pf.vf_device_id.value_or(pf.device_id);
    d.driver = vf.driver;
    catalog.devices.push_back(std::move(d));
  }
  if (kind == Kind::nic_vf) add_settings(pf, link, catalog.devices, first, catalog);
  return {};
}

Device vgpu_device(const sriov::Sysfs& sysfs, const Gpu& gpu, const VgpuInstance& inst) {
  Device d;
  d.kind = gpu.backend == Backend::mdev ? Kind::mdev : Kind::nvidia_vgpu_vf;
  d.id = inst.id;
  d.parent = gpu.id;
  d.numa_node = gpu.numa_node;
  d.vendor_id = gpu.vendor_id.value_or(0);
  d.device_id = gpu.device_id.value_or(0);
  d.type_id = inst.type_id;
  d.type_name = inst.type_name.empty() ? inst.type_id : inst.type_name;
  d.holders = inst.holders;
  std::string dev = instance_device(gpu, inst);
  if (d.kind == Kind::mdev) {
    d.mdev_parent = inst.slot;
  } else {
    auto vf = sriov::read_vf(sysfs, 0, dev);
    if (vf) {
      d.address = vf->address;
      d.driver = vf->driver;
      d.group_peers = vf->iommu_group_peers;
    }
    if (auto id = sysfs.read_int_opt(sriov::join_path(dev, "device"), 16))
      d.device_id = static_cast<uint16_t>(*id);
  }
  if (d.kind == Kind::mdev) d.driver = sysfs.link_name(sriov::join_path(dev, "driver"));
  d.iommu_group = sriov::iommu_group_of(sysfs, dev);
  d.vfio = sriov::read_vfio_access(sysfs, dev);
  return d;
}

// One name per pool, unique: a second PF or type with the same name gets "_2", "_3", ...
std::string unique_name(std::string base, std::set<std::string>& taken) {
  std::string name = base;
  for (int n = 2; !taken.insert(name).second; ++n) name = fmt::format("{}_{}", base, n);
  return name;
}

// The pool a profile entry gives each device; null: its default pool (by PF, by vGPU type).
// The first entry that selects a device names its pool.
std::vector<const PoolSpec*> profile_pools(const Catalog& catalog, const Profile& profile,
                                           const sriov::Inventory& inventory,
                                           const VgpuHost& vgpus) {
  std::vector<const PoolSpec*> out(catalog.devices.size(), nullptr);
  auto give = [&](const PoolSpec& spec, auto&& selects) {
    for (size_t i = 0; i < catalog.devices.size(); ++i)
      if (!out[i] && selects(catalog.devices[i])) out[i] = &spec;
  };
  for (size_t e = 0; e < profile.nics.size() && e < profile.nic_pools.size(); ++e) {
    if (!profile.nic_pools[e]) continue;
    const auto& sel = profile.nics[e].select;
    std::set<std::string> pfs;
    if (sel.pf) {
      if (auto pf = inventory.find_pf(*sel.pf)) pfs.insert(pf->id);
    } else {
      for (const auto& pf : inventory.pfs())
        if (sriov::matches(sel, pf)) pfs.insert(pf.id);
    }
    give(*profile.nic_pools[e], [&](const Device& d) {
      return (d.kind == Kind::nic_vf || d.kind == Kind::pci) && pfs.count(d.parent);
    });
  }
  for (const auto& g : profile.gpus) {
    if (!g.pool) continue;
    std::set<std::string> gpus;
    for (const Gpu* gpu : select_gpus(vgpus, g.select)) gpus.insert(gpu->id);
    give(*g.pool, [&](const Device& d) {
      bool vgpu = d.kind == Kind::mdev || d.kind == Kind::nvidia_vgpu_vf;
      return vgpu && gpus.count(d.parent) &&
             (!g.type || d.type_id == *g.type || d.type_name == *g.type);
    });
  }
  return out;
}

void make_pools(Catalog& catalog, const std::vector<const PoolSpec*>& chosen) {
  std::set<std::string> taken;  // a profile's names first: a default pool never takes one
  for (const auto* spec : chosen)
    if (spec) taken.insert(spec->name);
  std::map<std::string, size_t> by_key;  // PF id, vGPU type id or profile pool -> pool
  for (size_t i = 0; i < catalog.devices.size(); ++i) {
    auto& d = catalog.devices[i];
    const PoolSpec* spec = chosen.empty() ? nullptr : chosen[i];
    bool vf = d.kind == Kind::nic_vf || d.kind == Kind::pci;
    std::string key = spec ? "pool " + spec->name : vf ? "pf " + d.parent : "type " + d.type_id;
    auto [it, fresh] = by_key.emplace(key, catalog.pools.size());
    if (fresh) {
      Pool p;
      p.kind = d.kind;
      std::string label = d.parent_netdev.empty() ? d.parent : d.parent_netdev;
      p.name = spec ? spec->name
                    : unique_name(detail::resource_name(vf ? label : d.type_name), taken);
      if (spec) {
        p.physical_network = spec->physical_network;
        p.trusted = spec->trusted;
      }
      p.source = spec ? fmt::format("the profile's entry at {}", spec->pos.str())
                 : vf ? fmt::format("VFs of {}{}", d.parent,
                                    d.parent_netdev.empty() ? "" : " (" + d.parent_netdev + ")")
                      : fmt::format("vGPU type {}{}", d.type_name,
                                    d.type_name == d.type_id ? "" : " (" + d.type_id + ")");
      catalog.pools.push_back(std::move(p));
    }
    catalog.pools[it->second].devices.push_back(i);
    d.pool = catalog.pools[it->second].name;
  }
}

void add_warnings(Catalog& catalog) {
  for (const auto& d : catalog.devices) {
    if (!d.group_peers.empty()) {
      std::string peers;
      for (const auto& p : d.group_peers) peers += (peers.empty() ? "" : ", ") + p;
      catalog.warnings.push_back(fmt::format(
          "{} shares IOMMU group {} with {}: VFIO gives the whole group to one VM", d.id,
          d.iommu_group ? std::to_string(*d.iommu_group) : "?", peers));
    }
    if (!d.holders.empty())
      catalog.warnings.push_back(
          fmt::format("{} is in use: {}", d.id, sriov::describe(d.holders)));
  }
}

}  // namespace

sriov::Result<Catalog> read_catalog(const sriov::Sysfs& sysfs, const sriov::Inventory& inventory,
                                    sriov::LinkBackend* link, const Profile* profile) {
  Catalog catalog;
  auto vgpus = scan_vgpu_host(sysfs);
  if (!vgpus) return tl::unexpected(vgpus.error());
  // The VFs of an NVIDIA vGPU GPU are vGPU slots: published as vGPUs once they hold a type,
  // and not at all before (without one no VM can use them).
  std::set<std::string> vgpu_gpus;
  for (const auto& g : vgpus->gpus)
    if (g.backend == Backend::nvidia_vfio) vgpu_gpus.insert(g.id);
  for (const auto& pf : inventory.pfs()) {
    if (!pf.is_pci || pf.num_vfs == 0) continue;
    if (vgpu_gpus.count(pf.id)) {
      const Gpu* g = vgpus->find_gpu(pf.id);
      if (size_t idle = pf.num_vfs - std::min<size_t>(pf.num_vfs, g->instances.size()))
        catalog.warnings.push_back(fmt::format(
            "{}: {} VFs hold no vGPU type and are not published (vgpuctl create gives them one)",
            pf.id, idle));
      continue;
    }
    if (auto ok = add_vfs(sysfs, pf, link, catalog); !ok) return tl::unexpected(ok.error());
  }
  // Listing-only GPUs (Intel xe) have their VFs among the PFs' VFs above.
  for (const auto& g : vgpus->gpus)
    if (g.backend != Backend::listing)
      for (const auto& inst : g.instances) catalog.devices.push_back(vgpu_device(sysfs, g, inst));
  std::vector<std::string> files;
  for (const auto& d : catalog.devices)
    if (d.kind == Kind::nic_vf || d.kind == Kind::pci)
      files.insert(files.end(), d.vfio.files.begin(), d.vfio.files.end());
  auto holders = sriov::VfioHolders::scan_if_any(sysfs, files);
  for (auto& d : catalog.devices)
    if (d.kind == Kind::nic_vf || d.kind == Kind::pci) d.holders = holders.of(d.vfio);
  make_pools(catalog, profile ? profile_pools(catalog, *profile, inventory, *vgpus)
                               : std::vector<const PoolSpec*>());
  add_warnings(catalog);
  return catalog;
}

}  // namespace mdev::publish
