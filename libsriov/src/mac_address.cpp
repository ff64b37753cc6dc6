#include "sriov/mac_address.hpp"
#include "sriov/text.hpp"

#include <fmt/format.h>

#include "parse_util.hpp"

namespace sriov {

Result<MacAddress> MacAddress::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input,
                fmt::format("invalid MAC address {}: {}", detail::quoted(text), why));
  };
  if (text.size() != 17)
    return bad("expected six two-digit hex groups separated by ':', e.g. 02:00:00:00:00:01");
  char sep = text[2];
  if (sep != ':' && sep != '-') return bad("groups must be separated by ':'");
  MacAddress mac;
  for (size_t i = 0; i < 6; ++i) {
    size_t at = i * 3;
    if (i > 0 && text[at - 1] != sep) return bad("mixed or misplaced separators");
    auto group = text.substr(at, 2);
    if (!detail::is_hex(group[0]) || !detail::is_hex(group[1]))
      return bad(fmt::format("'{}' is not a hex byte", group));
    mac.bytes[i] = static_cast<uint8_t>(*parse_unsigned(group, 16));
  }
  return mac;
}

// By hand: called for every VF of every listing, plan and journal (fmt took 3 k instructions).
std::string MacAddress::str() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(17, ':');
  for (size_t i = 0; i < 6; ++i) {
    out[3 * i] = kHex[bytes[i] >> 4];
    out[3 * i + 1] = kHex[bytes[i] & 0xf];
  }
  return out;
}

bool MacAddress::is_zero() const {
  for (auto b : bytes)
    if (b) return false;
  return true;
}

Result<MacAddress> MacAddress::plus(uint64_t n) const {
  // The first byte holds the multicast and locally-administered bits: a carry into it would
  // hand out a multicast or a vendor address, so the count runs in the last five bytes only.
  uint64_t value = 0;
  for (size_t i = 1; i < bytes.size(); ++i) value = value << 8 | bytes[i];
  if (n > 0xffffffffffULL - value)
    return fail(Errc::invalid_input,
                fmt::format("MAC address {} + {} would carry into the first byte ({:02x}), "
                            "which says unicast or multicast, local or vendor; start the range "
                            "lower (at most {}:ff:ff:ff:ff:ff - {})",
                            str(), n, bytes[0], fmt::format("{:02x}", bytes[0]), n));
  value += n;
  MacAddress out;
  out.bytes[0] = bytes[0];
  for (int i = 5; i >= 1; --i) {
    out.bytes[i] = static_cast<uint8_t>(value & 0xff);
    value >>= 8;
  }
  return out;
}

}  // namespace sriov
