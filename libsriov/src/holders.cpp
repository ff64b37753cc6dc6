#include "sriov/holders.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "parse_util.hpp"

namespace sriov {

std::vector<Holder> find_vfio_holders(const Sysfs& sysfs, const std::set<unsigned>& groups) {
  std::set<std::string> files;
  for (unsigned g : groups) files.insert(fmt::format("/dev/vfio/{}", g));
  return find_holders(sysfs, files);
}

std::set<std::string> vfio_device_files(const Sysfs& sysfs, const std::string& device_path) {
  std::set<std::string> files;
  if (auto group = sysfs.link_name(device_path + "/iommu_group"))
    files.insert("/dev/vfio/" + *group);
  for (const auto& name : sysfs.list(device_path + "/vfio-dev"))
    files.insert("/dev/vfio/devices/" + name);
  return files;
}

std::vector<Holder> find_device_holders(const Sysfs& sysfs, const std::string& device_path) {
  return find_holders(sysfs, vfio_device_files(sysfs, device_path));
}

namespace {

// Every (pid, file) with a descriptor on a file `wanted` accepts, sorted by pid and file.
template <class Wanted>
std::vector<Holder> scan_proc(const Sysfs& sysfs, Wanted wanted) {
  std::vector<Holder> out;
  for (const auto& pid_name : sysfs.list("/proc")) {
    auto pid = detail::parse_uint(pid_name);
    if (!pid) continue;
    std::string fd_dir = "/proc/" + pid_name + "/fd";
    std::set<std::string> seen;
    for (const auto& fd : sysfs.list(fd_dir)) {
      auto target = sysfs.read_link(fd_dir + "/" + fd);
      if (!target || !wanted(*target) || !seen.insert(*target).second) continue;
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

std::vector<Holder> find_holders(const Sysfs& sysfs, const std::set<std::string>& wanted) {
  if (wanted.empty()) return {};
  return scan_proc(sysfs, [&](const std::string& file) { return wanted.count(file) > 0; });
}

VfioHolders VfioHolders::scan(const Sysfs& sysfs) {
  VfioHolders h;
  h.all_ = scan_proc(sysfs, [](const std::string& file) { return file.starts_with("/dev/vfio/"); });
  return h;
}

std::vector<Holder> VfioHolders::of_device(const Sysfs& sysfs,
                                           const std::string& device_path) const {
  if (all_.empty()) return {};
  return of(vfio_device_files(sysfs, device_path));
}

std::vector<Holder> VfioHolders::of(const std::set<std::string>& device_files) const {
  std::vector<Holder> out;
  for (const auto& h : all_)
    if (device_files.count(h.path)) out.push_back(h);
  return out;
}

std::string describe(const Holder& holder) {
  return fmt::format("pid {} ({}) holds {}", holder.pid, holder.comm, holder.path);
}

}  // namespace sriov
