#include "sriov/holders.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "parse_util.hpp"

namespace sriov {

std::vector<Holder> find_vfio_holders(const Sysfs& sysfs, const std::set<unsigned>& groups) {
  std::vector<Holder> out;
  if (groups.empty()) return out;
  std::set<std::string> wanted;
  for (unsigned g : groups) wanted.insert(fmt::format("/dev/vfio/{}", g));
  for (const auto& pid_name : sysfs.list("/proc")) {
    auto pid = detail::parse_uint(pid_name);
    if (!pid) continue;
    std::string fd_dir = "/proc/" + pid_name + "/fd";
    std::set<std::string> seen;
    for (const auto& fd : sysfs.list(fd_dir)) {
      auto target = sysfs.read_link(fd_dir + "/" + fd);
      if (!target || !wanted.count(*target) || !seen.insert(*target).second) continue;
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

std::string describe(const Holder& holder) {
  return fmt::format("pid {} ({}) holds {}", holder.pid, holder.comm, holder.path);
}

}  // namespace sriov
