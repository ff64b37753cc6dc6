// Any mdev parent no vendor handler recognises: its types as the files describe them, with
// no framebuffer known (so a --framebuffer request never picks them; --type still can).
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"

namespace mdev {
namespace {

class GenericMdevHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "mdev"; }
  std::string_view summary() const override { return "mediated device parent (generic)"; }
  bool claims(const MdevParent&) const override { return true; }
  VgpuType map_type(const MdevType& type) const override { return generic_type(type); }
};

}  // namespace

const VgpuHandler& generic_mdev_handler() {
  static const GenericMdevHandler handler;
  return handler;
}

}  // namespace mdev
