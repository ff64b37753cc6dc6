// mbochs, the kernel's sample mdev display driver: the stand-in vGPU with framebuffer slices
// taken from one pool (module parameter `count`, MB). Types mbochs-small/medium/large.
#include "../text.hpp"
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"
#include "mdev/size.hpp"

namespace mdev {

std::optional<uint64_t> parse_mbochs_description(std::string_view input) {
  // "virtual display, 64 MB video memory"
  for (auto part : text::split_any(input, ",\n")) {
    part = text::trim(part);
    auto at = part.find(" video memory");
    if (at == std::string_view::npos) continue;
    return parse_vendor_megabytes(part.substr(0, at));
  }
  return std::nullopt;
}

VgpuType mbochs_type(const MdevType& type) {
  VgpuType t = generic_type(type);
  if (type.description) t.framebuffer = parse_mbochs_description(*type.description);
  t.heads = 1;
  // EDID limits mbochs.c gives each type; "large" has none.
  if (type.id == "mbochs-small") t.max_resolution = "800x600";
  if (type.id == "mbochs-medium") t.max_resolution = "1920x1440";
  return t;
}

namespace {

class MbochsHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "mbochs"; }
  std::string_view summary() const override {
    return "kernel sample mbochs: virtual display with memory from one pool";
  }
  bool claims(const MdevParent& parent) const override {
    if (parent.name == "mbochs") return true;
    if (parent.types.empty()) return false;
    for (const auto& t : parent.types)
      if (!text::starts_with(t.id, "mbochs-")) return false;
    return true;
  }
  VgpuType map_type(const MdevType& type) const override { return mbochs_type(type); }
};

}  // namespace

const VgpuHandler& mbochs_handler() {
  static const MbochsHandler handler;
  return handler;
}

}  // namespace mdev
