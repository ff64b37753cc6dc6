#include "sriov/pci_address.hpp"
#include "sriov/text.hpp"

#include <fmt/format.h>

#include <vector>

#include "parse_util.hpp"

namespace sriov {
namespace {

using detail::is_hex;
using detail::quoted;

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == sep) {
      parts.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  return parts;
}

bool all_hex(std::string_view text) {
  for (char c : text)
    if (!is_hex(c)) return false;
  return !text.empty();
}

constexpr const char* kForm = "expected DDDD:BB:DD.F or BB:DD.F in hex, e.g. 0000:3b:00.0";

}  // namespace

bool PciAddress::looks_like(std::string_view text) {
  return text.find(':') != std::string_view::npos && text.find('.') != std::string_view::npos;
}

Result<PciAddress> PciAddress::parse(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input, fmt::format("invalid PCI address {}: {}", quoted(text), why));
  };
  if (text.empty()) return bad(kForm);
  auto colon = split(text, ':');
  if (colon.size() != 2 && colon.size() != 3) return bad(kForm);
  std::string_view domain = colon.size() == 3 ? colon[0] : "0000";
  std::string_view bus = colon[colon.size() - 2];
  auto dot = split(colon.back(), '.');
  if (dot.size() != 2) return bad("missing '.F' function number (" + std::string(kForm) + ")");
  std::string_view dev = dot[0], fn = dot[1];

  if (domain.size() < 4 || domain.size() > 8 || !all_hex(domain))
    return bad("domain must be 4 to 8 hex digits");
  if (bus.size() != 2 || !all_hex(bus)) return bad("bus must be 2 hex digits");
  if (dev.size() != 2 || !all_hex(dev)) return bad("device must be 2 hex digits");
  if (fn.size() != 1 || !all_hex(fn)) return bad("function must be one digit 0-7");

  PciAddress a;
  a.domain = static_cast<uint32_t>(*parse_unsigned(domain, 16));
  a.bus = static_cast<uint8_t>(*parse_unsigned(bus, 16));
  auto d = *parse_unsigned(dev, 16);
  auto f = *parse_unsigned(fn, 16);
  if (d > 0x1f) return bad(fmt::format("device {} is above 1f", dev));
  if (f > 7) return bad(fmt::format("function {} is above 7", fn));
  a.device = static_cast<uint8_t>(d);
  a.function = static_cast<uint8_t>(f);
  return a;
}

std::string PciAddress::str() const {
  return fmt::format("{:04x}:{:02x}:{:02x}.{:x}", domain, bus, device, function);
}

PciAddress PciAddress::vf(unsigned offset, unsigned stride, unsigned index) const {
  unsigned rid = devfn() + offset + stride * index;
  PciAddress a;
  a.domain = domain;
  a.bus = static_cast<uint8_t>(bus + (rid >> 8));
  a.device = static_cast<uint8_t>((rid & 0xff) >> 3);
  a.function = static_cast<uint8_t>(rid & 7);
  return a;
}

}  // namespace sriov
