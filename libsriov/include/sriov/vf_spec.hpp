#pragma once
// VF selections: index ranges ("0-3,6") and VF specs ("ens1f0#0-3,6" or a VF address).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/pci_address.hpp"

namespace sriov {

// Sorted, unique VF indexes. Rejects empty parts, reversed ranges and repeats.
Result<std::vector<unsigned>> parse_vf_ranges(std::string_view text);
// Compact text form of sorted indexes: {0,1,2,3,6} -> "0-3,6".
std::string format_vf_ranges(const std::vector<unsigned>& indexes);

struct VfSpec {
  std::string pf;                     // PF as given (address, short address or netdev name)
  std::vector<unsigned> indexes;      // when given as PF#RANGES
  std::optional<PciAddress> vf;       // when given as a VF address
};

// "PF#RANGES" or a VF PCI address.
Result<VfSpec> parse_vf_spec(std::string_view text);

}  // namespace sriov
