#include "sriov/inventory.hpp"
#include "sriov/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <map>

#include "parse_util.hpp"
#include "pci_scan.hpp"

namespace sriov {
namespace {

constexpr std::string_view kPciDevices = "/sys/bus/pci/devices";

std::optional<unsigned> read_unsigned(const Sysfs& sysfs, const std::string& path) {
  auto v = sysfs.read_int_opt(path);
  if (!v || *v < 0) return std::nullopt;
  return static_cast<unsigned>(*v);
}


// A read that timed out in the kernel (Sysfs::read's watchdog) is not an absent attribute:
// the scan stops there rather than report, say, 0 VFs on a PF whose VFs are being removed.
Status unless_stuck(const Result<std::string>& read) {
  if (!read && read.error().code == Errc::timeout) return tl::unexpected(read.error());
  return {};
}

// Fills the sysfs facts common to PCI and non-PCI PFs.
Status read_pf_common(const Sysfs& sysfs, PhysicalFunction& pf) {
  const auto& dev = pf.device_path;
  pf.driver = sysfs.link_name(join_path(dev, "driver"));
  pf.netdevs = sysfs.list(join_path(dev, "net"));
  auto num_vfs = sysfs.read(join_path(dev, "sriov_numvfs"));
  if (auto ok = unless_stuck(num_vfs); !ok) return ok;
  auto count = num_vfs ? parse_unsigned(detail::trim(*num_vfs)) : std::nullopt;
  pf.num_vfs = count && *count <= UINT_MAX ? static_cast<unsigned>(*count) : 0;
  if (auto numa = sysfs.read_int_opt(join_path(dev, "numa_node")); numa && *numa >= 0)
    pf.numa_node = static_cast<int>(*numa);
  pf.iommu_group = iommu_group_of(sysfs, dev);
  for (const auto& netdev : pf.netdevs) {
    auto speed = sysfs.read_int_opt(join_path(join_path(dev, "net/" + netdev), "speed"));
    if (speed && *speed > 0) {
      pf.link_speed_mbps = static_cast<unsigned>(*speed);
      break;
    }
  }
  return {};
}

Result<PhysicalFunction> read_pci_pf(const Sysfs& sysfs, const detail::PciDeviceInfo& info) {
  PhysicalFunction pf;
  pf.id = info.address.str();
  pf.is_pci = true;
  pf.bus = "pci";
  pf.address = info.address;
  auto path = sysfs.resolve(join_path(kPciDevices, pf.id));
  if (!path) return tl::unexpected(path.error());
  pf.device_path = *path;
  pf.vendor_id = info.vendor_id;
  pf.device_id = info.device_id;
  pf.vendor_name = info.vendor_name;
  pf.device_name = info.device_name;
  if (auto ok = read_pf_common(sysfs, pf); !ok) return tl::unexpected(ok.error());
  const auto& dev = pf.device_path;
  pf.total_vfs = read_unsigned(sysfs, join_path(dev, "sriov_totalvfs"));
  if (auto ap = sysfs.read_int_opt(join_path(dev, "sriov_drivers_autoprobe")))
    pf.drivers_autoprobe = *ap != 0;
  pf.vf_offset = read_unsigned(sysfs, join_path(dev, "sriov_offset"));
  pf.vf_stride = read_unsigned(sysfs, join_path(dev, "sriov_stride"));
  // Hex without 0x today; a later kernel may add the prefix: base 16 accepts both.
  if (auto id = sysfs.read_int_opt(join_path(dev, "sriov_vf_device"), 16); id && *id >= 0)
    pf.vf_device_id = static_cast<uint16_t>(*id);
  return pf;
}

// Netdevs whose device is not a PCI function but has sriov_numvfs (netdevsim and the like).
Result<std::vector<PhysicalFunction>> scan_non_pci_pfs(const Sysfs& sysfs) {
  std::map<std::string, PhysicalFunction> by_device;
  for (const auto& netdev : sysfs.list("/sys/class/net")) {
    auto dev = sysfs.resolve("/sys/class/net/" + netdev + "/device");
    if (!dev || !sysfs.exists(join_path(*dev, "sriov_numvfs"))) continue;
    auto subsystem = sysfs.link_name(join_path(*dev, "subsystem"));
    if (subsystem == "pci") continue;
    if (by_device.count(*dev)) continue;
    PhysicalFunction pf;
    pf.is_pci = false;
    pf.device_path = *dev;
    pf.id = std::filesystem::path(*dev).filename().string();
    pf.bus = subsystem.value_or("unknown");
    pf.vendor_name = pf.bus;
    pf.device_name = pf.bus + " device";
    if (auto ok = read_pf_common(sysfs, pf); !ok) return tl::unexpected(ok.error());
    by_device.emplace(*dev, std::move(pf));
  }
  std::vector<PhysicalFunction> out;
  for (auto& [_, pf] : by_device) out.push_back(std::move(pf));
  return out;
}

std::string pf_hint() { return "see 'sriovctl list' for the SR-IOV PFs of this host"; }

// Explains why an address that is not an SR-IOV PF was given as one.
Error not_a_pf(const Sysfs& sysfs, const PciAddress& address) {
  auto dev = join_path(kPciDevices, address.str());
  if (!sysfs.exists(dev))
    return Error{Errc::not_found, fmt::format("no PCI device {} ({})", address.str(), pf_hint()),
                 dev, 0};
  if (auto pf = sysfs.link_name(join_path(dev, "physfn")))
    return Error{Errc::not_found,
                 fmt::format("{} is a VF of {}, not a PF; give the PF", address.str(), *pf), dev,
                 0};
  return Error{Errc::not_found,
               fmt::format("{} has no SR-IOV capability (no {}/sriov_totalvfs); {}", address.str(),
                           dev, pf_hint()),
               dev, 0};
}

}  // namespace

std::optional<unsigned> iommu_group_of(const Sysfs& sysfs, const std::string& device_path) {
  auto name = sysfs.link_name(join_path(device_path, "iommu_group"));
  if (!name) return std::nullopt;
  auto n = parse_unsigned(*name);
  if (!n) return std::nullopt;
  return static_cast<unsigned>(*n);
}

std::string PhysicalFunction::sysfs_dir() const {
  return is_pci ? join_path(kPciDevices, id) : device_path;
}

std::string PhysicalFunction::label() const {
  if (netdevs.empty()) return id;
  return fmt::format("{} ({})", id, netdevs.front());
}

std::optional<PciAddress> PhysicalFunction::vf_address(unsigned index) const {
  if (!address || !vf_offset || !vf_stride) return std::nullopt;
  return address->vf(*vf_offset, *vf_stride, index);
}

Result<Inventory> Inventory::scan(const Sysfs& sysfs, bool with_names) {
  Inventory inv(sysfs);
  auto devices = detail::scan_pci(sysfs, with_names);
  if (!devices) return tl::unexpected(devices.error());
  for (const auto& info : *devices) {
    if (!sysfs.exists(join_path(join_path(kPciDevices, info.address.str()), "sriov_totalvfs")))
      continue;
    auto pf = read_pci_pf(sysfs, info);
    if (!pf) return tl::unexpected(pf.error());
    inv.pfs_.push_back(std::move(*pf));
  }
  auto others = scan_non_pci_pfs(sysfs);
  if (!others) return tl::unexpected(others.error());
  for (auto& pf : *others) inv.pfs_.push_back(std::move(pf));
  return inv;
}

Result<PhysicalFunction> Inventory::find_pf(std::string_view spec) const {
  if (spec.empty()) return fail(Errc::invalid_input, "empty PF name; " + pf_hint());
  if (PciAddress::looks_like(spec)) {
    auto address = PciAddress::parse(spec);
    if (!address) return tl::unexpected(address.error());
    for (const auto& pf : pfs_)
      if (pf.address == *address) return pf;
    return tl::unexpected(not_a_pf(*sysfs_, *address));
  }
  for (const auto& pf : pfs_) {
    if (pf.id == spec) return pf;
    if (std::find(pf.netdevs.begin(), pf.netdevs.end(), spec) != pf.netdevs.end()) return pf;
  }
  std::string netdev = "/sys/class/net/" + std::string(spec);
  if (sysfs_->exists(netdev)) {
    if (auto physfn = sysfs_->link_name(netdev + "/device/physfn"))
      return fail(Errc::not_found,
                  fmt::format("{} is the netdev of a VF of {}, not of a PF; give the PF", spec,
                              *physfn),
                  netdev);
    return fail(Errc::not_found,
                fmt::format("netdev {} is not on an SR-IOV PF (its device has no sriov_numvfs); {}",
                            spec, pf_hint()),
                netdev);
  }
  return fail(Errc::not_found,
              fmt::format("no SR-IOV PF, netdev or PCI address matches '{}'; {}", spec, pf_hint()));
}

Result<PhysicalFunction> Inventory::refresh(const PhysicalFunction& pf) const {
  PhysicalFunction out = pf;
  if (auto ok = read_pf_common(*sysfs_, out); !ok) return tl::unexpected(ok.error());
  if (out.is_pci) {
    if (auto ap = sysfs_->read_int_opt(join_path(out.device_path, "sriov_drivers_autoprobe")))
      out.drivers_autoprobe = *ap != 0;
    out.total_vfs = read_unsigned(*sysfs_, join_path(out.device_path, "sriov_totalvfs"));
  }
  return out;
}

Result<std::vector<PciFunction>> read_pci_functions(const Sysfs& sysfs) {
  auto scanned = detail::scan_pci(sysfs, false);
  if (!scanned) return tl::unexpected(scanned.error());
  std::vector<PciFunction> out;
  out.reserve(scanned->size());
  for (const auto& info : *scanned) {
    auto path = sysfs.resolve(join_path(kPciDevices, info.address.str()));
    if (!path) continue;  // a function going away
    PciFunction f;
    f.address = info.address;
    f.path = *path;
    f.vendor_id = info.vendor_id;
    f.device_id = info.device_id;
    f.class_code = static_cast<uint32_t>(info.device_class) << 8;  // prog-if left 0
    f.driver = sysfs.link_name(join_path(*path, "driver"));
    if (auto numa = sysfs.read_int_opt(join_path(*path, "numa_node")); numa && *numa >= 0)
      f.numa_node = static_cast<int>(*numa);
    out.push_back(std::move(f));
  }
  return out;
}

Result<VirtualFunction> read_vf(const Sysfs& sysfs, unsigned index, std::string_view device_path) {
  VirtualFunction vf;
  vf.index = index;
  vf.device_path = std::string(device_path);
  auto address = PciAddress::parse(std::filesystem::path(vf.device_path).filename().string());
  if (address) vf.address = *address;
  vf.driver = sysfs.link_name(join_path(device_path, "driver"));
  auto ov = sysfs.read(join_path(device_path, "driver_override"));
  if (auto ok = unless_stuck(ov); !ok) return tl::unexpected(ok.error());
  if (ov && !ov->empty() && *ov != "(null)") vf.driver_override = *ov;
  vf.netdevs = sysfs.list(join_path(device_path, "net"));
  vf.iommu_group = iommu_group_of(sysfs, vf.device_path);
  if (vf.iommu_group) {
    auto members =
        sysfs.list(fmt::format("/sys/kernel/iommu_groups/{}/devices", *vf.iommu_group));
    for (auto& m : members)
      if (!vf.address || m != vf.address->str()) vf.iommu_group_peers.push_back(m);
  }
  vf.vfio = read_vfio_access(sysfs, vf.device_path);
  return vf;
}

Result<std::vector<VirtualFunction>> read_vfs(const Sysfs& sysfs, const PhysicalFunction& pf) {
  std::vector<VirtualFunction> vfs;
  if (!pf.is_pci) {
    for (unsigned i = 0; i < pf.num_vfs; ++i) vfs.push_back(VirtualFunction{.index = i});
    return vfs;
  }
  for (const auto& name : sysfs.list(pf.device_path)) {
    if (name.rfind("virtfn", 0) != 0) continue;
    auto index = parse_unsigned(std::string_view(name).substr(6));
    if (!index) continue;
    auto path = sysfs.resolve(join_path(pf.device_path, name));
    if (!path) continue;  // a link the kernel is removing right now
    auto vf = read_vf(sysfs, static_cast<unsigned>(*index), *path);
    if (!vf) return tl::unexpected(vf.error());
    vfs.push_back(std::move(*vf));
  }
  std::sort(vfs.begin(), vfs.end(), [](auto& a, auto& b) { return a.index < b.index; });
  return vfs;
}

Result<std::vector<VfTarget>> resolve_vfs(const Sysfs& sysfs, const Inventory& inventory,
                                          const VfSpec& spec) {
  std::vector<VfTarget> out;
  if (spec.vf) {
    auto dev = join_path(kPciDevices, spec.vf->str());
    if (!sysfs.exists(dev)) return fail(Errc::not_found, "no PCI device " + spec.vf->str(), dev);
    auto physfn = sysfs.link_name(join_path(dev, "physfn"));
    if (!physfn)
      return fail(Errc::not_found,
                  fmt::format("{} is not a VF (it has no physfn link); give a VF address or "
                              "PF#RANGES",
                              spec.vf->str()),
                  dev);
    auto pf = inventory.find_pf(*physfn);
    if (!pf) return tl::unexpected(pf.error());
    auto vfs = read_vfs(sysfs, *pf);
    if (!vfs) return tl::unexpected(vfs.error());
    for (auto& vf : *vfs)
      if (vf.address == spec.vf) return std::vector<VfTarget>{{*pf, vf}};
    return fail(Errc::not_found,
                fmt::format("{} names {} as its PF, but the PF has no virtfn link to it",
                            spec.vf->str(), *physfn),
                dev);
  }
  auto pf = inventory.find_pf(spec.pf);
  if (!pf) return tl::unexpected(pf.error());
  auto vfs = read_vfs(sysfs, *pf);
  if (!vfs) return tl::unexpected(vfs.error());
  for (unsigned index : spec.indexes) {
    auto it = std::find_if(vfs->begin(), vfs->end(), [&](auto& v) { return v.index == index; });
    if (it == vfs->end())
      return fail(Errc::not_found,
                  pf->num_vfs == 0
                      ? fmt::format("VF {} of {}: the PF has no VFs (create them first)", index,
                                    pf->label())
                      : fmt::format("VF {} of {}: the PF has {} VFs (0-{})", index, pf->label(),
                                    pf->num_vfs, pf->num_vfs - 1));
    out.push_back({*pf, *it});
  }
  return out;
}

}  // namespace sriov
