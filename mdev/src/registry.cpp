#include "mdev/handler.hpp"
#include "mdev/parse.hpp"

namespace mdev {

bool VgpuHandler::claims(const MdevParent&) const { return false; }
VgpuType VgpuHandler::map_type(const MdevType& type) const { return generic_type(type); }
std::vector<Gpu> VgpuHandler::discover(const sriov::Sysfs&, const std::vector<PciFunction>&) const {
  return {};
}

// The one list of handlers. Order matters for mdev parents: specific vendors first, the
// generic handler last (it claims anything).
const std::vector<const VgpuHandler*>& handlers() {
  static const std::vector<const VgpuHandler*> list = {
      &nvidia_mdev_handler(), &gvtg_handler(),        &mbochs_handler(), &mdpy_handler(),
      &mtty_handler(),        &nvidia_vfio_handler(), &xe_handler(),     &generic_mdev_handler(),
  };
  return list;
}

const VgpuHandler* find_handler(std::string_view name) {
  for (const auto* h : handlers())
    if (h->name() == name) return h;
  return nullptr;
}

}  // namespace mdev
