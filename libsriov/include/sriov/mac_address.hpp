#pragma once
// A 48-bit Ethernet MAC address, parsed strictly.

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "sriov/error.hpp"

namespace sriov {

struct MacAddress {
  std::array<uint8_t, 6> bytes{};

  // Accepts six two-digit hex groups separated by ':' (or all by '-').
  static Result<MacAddress> parse(std::string_view text);
  std::string str() const;  // lower case, colon separated

  bool is_multicast() const { return (bytes[0] & 0x01) != 0; }
  bool is_locally_administered() const { return (bytes[0] & 0x02) != 0; }
  bool is_zero() const;
  // base + n, carrying across the last five bytes; error when it would change the first
  // (multicast and locally-administered bits).
  Result<MacAddress> plus(uint64_t n) const;

  auto operator<=>(const MacAddress&) const = default;
};

}  // namespace sriov
