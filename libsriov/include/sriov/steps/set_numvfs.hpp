#pragma once
#include <optional>
#include <string>
#include <vector>

#include "sriov/step.hpp"

namespace sriov {

// sriov_numvfs of a PF. The kernel only goes nonzero -> 0 -> nonzero, so a change between two
// nonzero counts is two steps.
struct SetNumVfs {
  std::string pf;
  std::string pf_path;
  unsigned from = 0, to = 0;
  unsigned vfio_bound = 0;   // VFs on a VFIO driver that a disable destroys
  bool wait_netdevs = false; // PF is a NIC: wait for VF netdevs that a driver probes
  // Filled when the step destroys VFs: each VF's driver and driver_override, so that undoing
  // the step (recreating the VFs) can put them back on the same drivers.
  struct PriorVf {
    std::optional<std::string> driver, driver_override;
  };
  std::vector<PriorVf> prior;
  std::string vfio_driver = "vfio-pci";  // the driver(s) of the vfio_bound VFs, for messages
};
SRIOV_STEP_KIND(SetNumVfs, "set-numvfs");

}  // namespace sriov
