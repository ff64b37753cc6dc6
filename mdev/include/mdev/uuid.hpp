#pragma once
// A 128-bit UUID as the mdev core takes it ("create" files, /sys/bus/mdev/devices/<uuid>),
// parsed strictly: 8-4-4-4-12 hex digits, nothing else.

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sriov/error.hpp"

namespace mdev {

struct Uuid {
  std::array<uint8_t, 16> bytes{};

  // Accepts exactly 36 characters "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (hex in either case).
  static sriov::Result<Uuid> parse(std::string_view text);
  // A random (version 4, RFC 4122 variant) UUID from the kernel's generator (getrandom(2)).
  static sriov::Result<Uuid> random();
  // n of them from one getrandom(2) call (creating 64 instances must not cost 192 system calls).
  static sriov::Result<std::vector<Uuid>> random(size_t n);

  std::string str() const;  // lower case, canonical form
  bool is_nil() const;

  auto operator<=>(const Uuid&) const = default;
};

}  // namespace mdev
