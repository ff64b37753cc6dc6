#pragma once
// Moving a PCI device between drivers, shared by the steps that do it (BindDriver, and
// SetNumVfs putting recreated VFs back on their drivers when it is undone).

#include <optional>
#include <string>
#include <vector>

#include "sriov/pci_address.hpp"
#include "sriov/step.hpp"

namespace sriov::detail {

inline std::string pci_dev(const PciAddress& a) { return "/sys/bus/pci/devices/" + a.str(); }

// The writes that move `vf` from `from` to `to`, leaving `override_value` in driver_override:
// driver_override first, so that only `to` can claim the VF once it is free.
std::vector<Write> driver_writes(const PciAddress& vf, const std::optional<std::string>& from,
                                 const std::optional<std::string>& override_value,
                                 const std::optional<std::string>& to);

// Performs driver_writes through ctx and waits until the VF is on `to`.
Status move_driver(StepContext& ctx, const PciAddress& vf, const std::optional<std::string>& from,
                   const std::optional<std::string>& override_value,
                   const std::optional<std::string>& to);

}  // namespace sriov::detail
