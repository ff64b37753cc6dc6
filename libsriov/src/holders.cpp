#include "sriov/holders.hpp"
#include "sriov/text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "parse_util.hpp"

namespace sriov {

VfioAccess read_vfio_access(const Sysfs& sysfs, const std::string& device_path) {
  VfioAccess access;
  auto group = sysfs.link_name(device_path + "/iommu_group");
  bool group_file = group && sysfs.exists("/dev/vfio/" + *group);
  if (group_file) access.files.push_back("/dev/vfio/" + *group);
  // A device without a driver is never VFIO's (mediated devices are bound to their parent's
  // driver from creation), and skipping its vfio-dev listing keeps a scan of 256 unbound
  // VFs cheap.
  if (!sysfs.exists(device_path + "/driver")) return access;
  for (const auto& name : sysfs.list(device_path + "/vfio-dev")) {
    access.files.push_back("/dev/vfio/devices/" + name);
    access.managed = true;
  }
  // Kernels before 6.1 have no vfio-dev class: there, a bound device whose group file exists
  // is VFIO's. Where the class exists, a group file alone can come from another device of a
  // shared group, and only the device's own vfio-dev entry says it is VFIO's.
  if (!access.managed && group_file) access.managed = !sysfs.exists("/sys/class/vfio-dev");
  return access;
}

namespace {

// Every (pid, file) with a descriptor on a file under /dev/vfio/, sorted by pid and file.
std::vector<Holder> scan_proc(const Sysfs& sysfs) {
  std::vector<Holder> out;
  for (const auto& pid_name : sysfs.list("/proc")) {
    auto pid = parse_unsigned(pid_name);
    if (!pid) continue;
    std::string fd_dir = "/proc/" + pid_name + "/fd";
    std::set<std::string> seen;
    for (const auto& fd : sysfs.list(fd_dir)) {
      auto target = sysfs.read_link(fd_dir + "/" + fd);
      if (!target || !target->starts_with("/dev/vfio/") || !seen.insert(*target).second) continue;
      Holder h;
      h.pid = static_cast<int>(*pid);
      h.comm = sysfs.read_opt("/proc/" + pid_name + "/comm").value_or("?");
      h.path = *target;
      out.push_back(std::move(h));
    }
  }
  std::sort(out.begin(), out.end(),
            [](auto& a, auto& b) { return std::tie(a.pid, a.path) < std::tie(b.pid, b.path); });
  return out;
}

}  // namespace

VfioHolders VfioHolders::scan(const Sysfs& sysfs) {
  VfioHolders h;
  h.all_ = scan_proc(sysfs);
  return h;
}

VfioHolders VfioHolders::scan_if_any(const Sysfs& sysfs, const std::vector<std::string>& files) {
  return files.empty() ? VfioHolders{} : scan(sysfs);
}

std::vector<Holder> VfioHolders::of(const std::vector<std::string>& files) const {
  std::vector<Holder> out;
  for (const auto& h : all_)
    if (std::find(files.begin(), files.end(), h.path) != files.end()) out.push_back(h);
  return out;
}

std::vector<Holder> VfioHolders::of_device(const Sysfs& sysfs,
                                           const std::string& device_path) const {
  if (all_.empty()) return {};
  return of(read_vfio_access(sysfs, device_path));
}

std::string describe(const Holder& holder) {
  return fmt::format("pid {} ({}) holds {}", holder.pid, holder.comm, holder.path);
}

std::string describe(const std::vector<Holder>& holders) {
  std::string out;
  for (const auto& h : holders) {
    if (!out.empty()) out += "; ";
    out += describe(h);
  }
  return out;
}

Error held_refusal(std::string_view action, const Holder& holder, const std::string& path) {
  return Error{Errc::refused,
               fmt::format("refusing to {}: {}; the kernel would block until it lets go", action,
                           describe(holder)),
               path};
}

}  // namespace sriov
