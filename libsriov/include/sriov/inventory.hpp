#pragma once
// Reads the host: SR-IOV PFs (PCI through libpci, plus netdevs whose device has
// sriov_numvfs) and their VFs (virtfnN links).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sriov/device.hpp"
#include "sriov/error.hpp"
#include "sriov/sysfs.hpp"
#include "sriov/vf_spec.hpp"

namespace sriov {

class Inventory {
 public:
  // Enumerates every SR-IOV PF under the root. PCI devices come from libpci pointed at
  // <root>/sys/bus/pci; names from <root>/usr/share/misc/pci.ids when the root is not "/".
  // Loading pci.ids is the costliest part of a scan: commands that print no names skip it.
  static Result<Inventory> scan(const Sysfs& sysfs, bool with_names = true);

  const std::vector<PhysicalFunction>& pfs() const { return pfs_; }

  // PF by full or short PCI address, netdev name, or non-PCI device name.
  Result<PhysicalFunction> find_pf(std::string_view spec) const;

  // Re-reads one PF's facts (numvfs, driver, ...) after a change.
  Result<PhysicalFunction> refresh(const PhysicalFunction& pf) const;

 private:
  explicit Inventory(const Sysfs& sysfs) : sysfs_(&sysfs) {}
  const Sysfs* sysfs_;
  std::vector<PhysicalFunction> pfs_;
};

// Every PCI function under the root, through the same libpci scan Inventory makes (no names).
Result<std::vector<PciFunction>> read_pci_functions(const Sysfs& sysfs);

// VFs of a PF as the kernel lists them (virtfnN for PCI; indexes 0..numvfs-1 otherwise).
Result<std::vector<VirtualFunction>> read_vfs(const Sysfs& sysfs, const PhysicalFunction& pf);

// The IOMMU group of a PCI device (its iommu_group link), nullopt when it has none.
std::optional<unsigned> iommu_group_of(const Sysfs& sysfs, const std::string& device_path);

// One VF, read from its device directory.
Result<VirtualFunction> read_vf(const Sysfs& sysfs, unsigned index, std::string_view device_path);

struct VfTarget {
  PhysicalFunction pf;
  VirtualFunction vf;
};

// Resolves a VF spec to concrete VFs; every index must exist (index < numvfs).
Result<std::vector<VfTarget>> resolve_vfs(const Sysfs& sysfs, const Inventory& inventory,
                                          const VfSpec& spec);

}  // namespace sriov
