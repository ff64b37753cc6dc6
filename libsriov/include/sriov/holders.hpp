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

// Scans <root>/proc/*/fd for links to /dev/vfio/<group> of the given IOMMU groups.
std::vector<Holder> find_vfio_holders(const Sysfs& sysfs, const std::set<unsigned>& groups);

// "pid 4242 (qemu-system-x86) holds /dev/vfio/61"
std::string describe(const Holder& holder);

}  // namespace sriov
