#pragma once
// Which processes hold VFIO group files open: a VM's QEMU holds /dev/vfio/<group> for every
// assigned device, and disabling VFs then blocks in the kernel until it lets go.

#include <set>
#include <string>
#include <vector>

#include "sriov/sysfs.hpp"

namespace sriov {

struct Holder {
  int pid = 0;
  std::string comm;       // process name from /proc/PID/comm
  std::string path;       // the device file it holds, e.g. /dev/vfio/61
};

// Scans <root>/proc/*/fd for links to any of these device files.
std::vector<Holder> find_holders(const Sysfs& sysfs, const std::set<std::string>& device_files);

// Scans <root>/proc/*/fd for links to /dev/vfio/<group> of the given IOMMU groups.
std::vector<Holder> find_vfio_holders(const Sysfs& sysfs, const std::set<unsigned>& groups);

// The VFIO files through which a device can be held: /dev/vfio/<group> (its iommu_group link)
// and /dev/vfio/devices/vfioN (its vfio-dev/ directory, kernels 6.2+). Empty: none.
std::set<std::string> vfio_device_files(const Sysfs& sysfs, const std::string& device_path);

// Who holds one device (a PCI VF, an mdev under /sys/bus/mdev/devices) open through VFIO: its
// group file /dev/vfio/<group> (the device's iommu_group link) or its VFIO device file
// /dev/vfio/devices/vfioN (the device's vfio-dev/ directory, kernels 6.2+).
std::vector<Holder> find_device_holders(const Sysfs& sysfs, const std::string& device_path);

// Every process's open VFIO files (/dev/vfio/...) at one moment: one scan of /proc for the
// many checks of a run that removes 64 mdevs (a scan per instance took 5 ms each in the guest).
class VfioHolders {
 public:
  static VfioHolders scan(const Sysfs& sysfs);
  std::vector<Holder> of(const std::set<std::string>& device_files) const;
  // The holders of a device's VFIO files; reads nothing of the device when nobody holds any
  // VFIO file at all (removing 256 idle instances must not list 256 vfio-dev directories).
  std::vector<Holder> of_device(const Sysfs& sysfs, const std::string& device_path) const;

 private:
  std::vector<Holder> all_;
};

// "pid 4242 (qemu-system-x86) holds /dev/vfio/61"
std::string describe(const Holder& holder);

}  // namespace sriov
