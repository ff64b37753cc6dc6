#pragma once
// The PCI bus as libpci sees it (internal; the only place that includes <pci/pci.h>).

#include <cstdint>
#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/pci_address.hpp"
#include "sriov/sysfs.hpp"

namespace sriov::detail {

struct PciDeviceInfo {
  PciAddress address;
  uint16_t vendor_id = 0, device_id = 0;
  uint16_t device_class = 0;  // base class << 8 | subclass (libpci has no prog-if here)
  std::string vendor_name, device_name;
};

// Every PCI function under <root>/sys/bus/pci, with names from pci.ids when asked.
Result<std::vector<PciDeviceInfo>> scan_pci(const Sysfs& sysfs, bool with_names);

// Names for ids not seen in a scan (e.g. a PF's VF device id).
std::string pci_device_name(const Sysfs& sysfs, uint16_t vendor, uint16_t device);

}  // namespace sriov::detail
