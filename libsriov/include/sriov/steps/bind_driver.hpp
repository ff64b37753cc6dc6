#pragma once
#include <optional>
#include <string>

#include "sriov/pci_address.hpp"
#include "sriov/step.hpp"

namespace sriov {

// Moves one VF to another driver (to == nullopt: leave it without a driver).
struct BindDriver {
  std::string pf;
  unsigned vf_index = 0;
  PciAddress vf;
  std::optional<std::string> from;           // driver bound when planned (when run, once run)
  std::optional<std::string> from_override;  // driver_override when planned (idem)
  std::optional<std::string> to;
};
SRIOV_STEP_KIND(BindDriver, "bind");

}  // namespace sriov
