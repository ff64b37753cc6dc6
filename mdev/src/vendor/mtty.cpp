// mtty, the kernel's sample mdev serial port (mtty-1 "Single port serial", mtty-2 "Dual
// port serial"): not a GPU and without a description file; listed so the host view is
// complete, never chosen for a framebuffer request.
#include "../text.hpp"
#include "sriov/text.hpp"
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"

namespace mdev {
namespace {

class MttyHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "mtty"; }
  std::string_view summary() const override { return "kernel sample mtty: virtual serial ports"; }
  bool claims(const MdevParent& parent) const override {
    if (parent.name == "mtty") return true;
    if (parent.types.empty()) return false;
    for (const auto& t : parent.types)
      if (!text::starts_with(t.id, "mtty-")) return false;
    return true;
  }
  VgpuType map_type(const MdevType& type) const override {
    VgpuType t = generic_type(type);
    auto ports = type.id.substr(type.id.rfind('-') + 1);
    if (sriov::parse_unsigned(ports)) t.vendor.emplace_back("ports", ports);
    return t;
  }
};

}  // namespace

const VgpuHandler& mtty_handler() {
  static const MttyHandler handler;
  return handler;
}

}  // namespace mdev
