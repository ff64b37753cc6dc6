#pragma once
// What the kernel reports about SR-IOV physical functions and their virtual functions.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sriov/holders.hpp"
#include "sriov/pci_address.hpp"

namespace sriov {

// One PCI function as the host's PCI scan reports it (the scan every library shares).
struct PciFunction {
  PciAddress address;
  std::string path;  // host path of the device directory
  uint16_t vendor_id = 0, device_id = 0;
  uint32_t class_code = 0;  // 0x030200: base class, subclass, prog-if (0: not read)
  std::optional<std::string> driver;
  std::optional<int> numa_node;
  bool display() const { return (class_code >> 16) == 0x03; }
};

struct PhysicalFunction {
  // "0000:3b:00.0" for a PCI PF, the device name ("netdevsim1") for a non-PCI PF.
  std::string id;
  bool is_pci = true;
  std::optional<PciAddress> address;
  std::string device_path;  // host path of the device directory (/sys/devices/...)
  std::string bus;          // "pci", "netdevsim", ...

  uint16_t vendor_id = 0, device_id = 0;  // PCI only
  std::string vendor_name, device_name;   // from pci.ids; the bus name for non-PCI PFs

  std::optional<std::string> driver;
  std::vector<std::string> netdevs;
  std::optional<unsigned> total_vfs;  // nullopt: no limit known (netdevsim)
  unsigned num_vfs = 0;
  std::optional<bool> drivers_autoprobe;
  std::optional<unsigned> vf_offset, vf_stride;
  std::optional<uint16_t> vf_device_id;
  std::optional<int> numa_node;  // nullopt: unknown (-1)
  std::optional<unsigned> iommu_group;
  std::optional<unsigned> link_speed_mbps;

  // Directory to address the PF by: /sys/bus/pci/devices/<BDF> for PCI PFs (what operators
  // know), the device directory otherwise.
  std::string sysfs_dir() const;
  // Short label for messages: "0000:3b:00.0 (ens1f0)".
  std::string label() const;
  // Address of VF index by offset/stride, when those are known.
  std::optional<PciAddress> vf_address(unsigned index) const;
};

struct VirtualFunction {
  unsigned index = 0;
  std::optional<PciAddress> address;  // nullopt for VFs without a PCI function (netdevsim)
  std::string device_path;
  std::optional<std::string> driver;
  std::optional<std::string> driver_override;  // nullopt when unset
  std::vector<std::string> netdevs;
  std::optional<unsigned> iommu_group;
  // Other devices in the same IOMMU group: VFIO hands out whole groups.
  std::vector<std::string> iommu_group_peers;
  // Whether a VFIO driver (vfio-pci or a variant driver) manages the VF, and the files a VM
  // holds it through (holders.hpp: the one "in use" rule).
  VfioAccess vfio;
};

}  // namespace sriov
