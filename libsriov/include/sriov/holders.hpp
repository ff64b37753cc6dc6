#pragma once
// The one "in use by a VM" rule, for every VFIO device (VFs, mediated devices) alike. A VM's QEMU (or any VFIO user)
// holds a device through its VFIO group file /dev/vfio/<group> or, on kernels with VFIO
// device cdevs (6.6+, iommufd), through /dev/vfio/devices/vfioN; destroying, unbinding or
// removing a held device blocks in the kernel until the holder lets go. Whether a device is
// VFIO's is read from the kernel's records (its vfio-dev/ directory, or its group's device
// file), never from the driver's name, so VFIO variant drivers (mlx5_vfio_pci,
// hisi_acc_vfio_pci, ...) count as VFIO as vfio-pci does.
//
// Every planner and the executor's last-moment checks ask only this module.

#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/sysfs.hpp"

namespace sriov {

struct Holder {
  int pid = 0;
  std::string comm;  // process name from /proc/PID/comm
  std::string path;  // the device file it holds, e.g. /dev/vfio/61
};

// How a device is reached through VFIO.
struct VfioAccess {
  // A VFIO driver manages the device (vfio-pci, a variant driver, a mediated device's driver):
  // it has a vfio-dev/vfioN entry (kernels 6.1+), or, on older kernels, it is bound to a
  // driver and its group's /dev/vfio/<group> exists.
  bool managed = false;
  // The files a process can hold it through: /dev/vfio/<group> when that exists, and
  // /dev/vfio/devices/vfioN for each vfio-dev/vfioN entry.
  std::vector<std::string> files;
};

// device_path: a PCI device or a mediated device's directory. Reads the iommu_group link, one stat of
// the group file and, for a bound device, the vfio-dev/ directory.
VfioAccess read_vfio_access(const Sysfs& sysfs, const std::string& device_path);

// Every process's open VFIO files (/dev/vfio/...) at one moment: one scan of <root>/proc
// answers the checks of a whole run (a scan per device cost 5 ms each in the guest).
class VfioHolders {
 public:
  static VfioHolders scan(const Sysfs& sysfs);
  // Scans only when `files` is not empty (most hosts hold nothing of what a command touches).
  static VfioHolders scan_if_any(const Sysfs& sysfs, const std::vector<std::string>& files);
  bool empty() const { return all_.empty(); }
  // The rule: the processes holding any of a device's VFIO files.
  std::vector<Holder> of(const std::vector<std::string>& files) const;
  std::vector<Holder> of(const VfioAccess& access) const { return of(access.files); }
  // Reads the device's access only when somebody holds a VFIO file at all (removing 256 idle
  // instances must not list 256 vfio-dev directories).
  std::vector<Holder> of_device(const Sysfs& sysfs, const std::string& device_path) const;
  const std::vector<Holder>& all() const { return all_; }

 private:
  std::vector<Holder> all_;
};

// "pid 4242 (qemu-system-x86) holds /dev/vfio/61"
std::string describe(const Holder& holder);
// Every holder, "; "-separated.
std::string describe(const std::vector<Holder>& holders);

// The refusal of a write a holder would block, one wording for planners and the executor's
// last-moment checks alike (a dry run refuses as the real run does): "refusing to <action>:
// pid N (comm) holds FILE; the kernel would block until it lets go". Errc::refused.
Error held_refusal(std::string_view action, const Holder& holder, const std::string& path);

}  // namespace sriov
