#pragma once
// One VgpuHandler per vendor maps what its driver shows in sysfs to the common model
// (vgpu.hpp). Handlers are chosen by probing: the registry asks each, in the order of one
// explicit list (handlers()), whether an mdev parent is its own; handlers for GPUs without
// mdev (NVIDIA SR-IOV vGPU, Intel xe) look at the PCI functions instead.

#include <string_view>
#include <vector>

#include "mdev/mdev.hpp"
#include "mdev/vgpu.hpp"
#include "sriov/device.hpp"
#include "sriov/sysfs.hpp"

namespace mdev {

// The facts of one PCI function the handlers probe with (read once per scan).
using sriov::PciFunction;  // from libsriov's PCI scan (sriov/inventory.hpp)

class VgpuHandler {
 public:
  virtual ~VgpuHandler() = default;
  virtual std::string_view name() const = 0;     // "nvidia-mdev"
  virtual std::string_view summary() const = 0;  // "NVIDIA vGPU, time-sliced (mdev)"

  // mdev handlers: true when this parent is theirs. The first handler to claim it wins.
  virtual bool claims(const MdevParent& parent) const;
  // Maps one type of a claimed parent to the common model (`available` is the parent's).
  virtual VgpuType map_type(const MdevType& type) const;
  // How types may share one physical GPU of this vendor.
  virtual Mixing mixing() const { return Mixing::any; }

  // Handlers for GPUs without mdev: the GPUs they find among the PCI functions. GPUs whose
  // address is already taken by an mdev parent are not passed again.
  virtual std::vector<Gpu> discover(const sriov::Sysfs& sysfs,
                                    const std::vector<PciFunction>& functions) const;
};

// Every handler, in probing order; the last one claims any mdev parent no vendor knows.
const std::vector<const VgpuHandler*>& handlers();
const VgpuHandler* find_handler(std::string_view name);

// The handlers themselves (one file each under mdev/src/vendor/).
const VgpuHandler& mbochs_handler();
const VgpuHandler& mdpy_handler();
const VgpuHandler& mtty_handler();
const VgpuHandler& nvidia_mdev_handler();
const VgpuHandler& nvidia_vfio_handler();
const VgpuHandler& gvtg_handler();
const VgpuHandler& xe_handler();
const VgpuHandler& generic_mdev_handler();

}  // namespace mdev
