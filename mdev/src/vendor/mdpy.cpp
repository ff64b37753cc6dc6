// mdpy, the kernel's sample mdev display with a fixed resolution per type (mdpy-vga, -xga,
// -hd); at most 4 instances in all.
#include "../text.hpp"
#include "sriov/text.hpp"
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"

namespace mdev {

std::optional<std::pair<unsigned, unsigned>> parse_mdpy_description(std::string_view input) {
  // "virtual display, 1024x768 framebuffer"
  for (auto part : text::split_any(input, ",\n")) {
    part = text::trim(part);
    auto space = part.find(' ');
    auto size = part.substr(0, space);
    auto x = size.find('x');
    if (x == std::string_view::npos) continue;
    auto w = sriov::parse_unsigned(size.substr(0, x));
    auto h = sriov::parse_unsigned(size.substr(x + 1));
    if (w && h && *w > 0 && *h > 0 && *w < 65536 && *h < 65536)
      return std::pair{static_cast<unsigned>(*w), static_cast<unsigned>(*h)};
  }
  return std::nullopt;
}

VgpuType mdpy_type(const MdevType& type) {
  VgpuType t = generic_type(type);
  t.heads = 1;
  if (!type.description) return t;
  auto size = parse_mdpy_description(*type.description);
  if (!size) return t;
  t.max_resolution = std::to_string(size->first) + "x" + std::to_string(size->second);
  // mdpy allocates width x height x 4 bytes (XRGB8888) rounded up to a power of two.
  uint64_t bytes = uint64_t{size->first} * size->second * 4, fb = 1;
  while (fb < bytes) fb <<= 1;
  t.framebuffer = fb;
  return t;
}

namespace {

class MdpyHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "mdpy"; }
  std::string_view summary() const override { return "kernel sample mdpy: virtual display"; }
  bool claims(const MdevParent& parent) const override {
    if (parent.name == "mdpy") return true;
    if (parent.types.empty()) return false;
    for (const auto& t : parent.types)
      if (!text::starts_with(t.id, "mdpy-")) return false;
    return true;
  }
  VgpuType map_type(const MdevType& type) const override { return mdpy_type(type); }
};

}  // namespace

const VgpuHandler& mdpy_handler() {
  static const MdpyHandler handler;
  return handler;
}

}  // namespace mdev
