#pragma once
// A PCI function address (domain:bus:device.function), parsed strictly.

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "sriov/error.hpp"

namespace sriov {

struct PciAddress {
  uint32_t domain = 0;
  uint8_t bus = 0;
  uint8_t device = 0;    // 0-31
  uint8_t function = 0;  // 0-7

  // Accepts "DDDD:BB:DD.F" (domain of 4 to 8 hex digits) and the short form "BB:DD.F"
  // (domain 0000). Hex is case-insensitive; anything else is an error saying what is wrong.
  static Result<PciAddress> parse(std::string_view text);
  // True when text has the shape of an address (so it is not a netdev name).
  static bool looks_like(std::string_view text);

  std::string str() const;  // canonical "0000:3b:00.0"
  uint8_t devfn() const { return static_cast<uint8_t>(device << 3 | function); }

  // The address of VF `index` (0-based) of this PF by the SR-IOV routing-id rule.
  PciAddress vf(unsigned offset, unsigned stride, unsigned index) const;

  auto operator<=>(const PciAddress&) const = default;
};

}  // namespace sriov
