#pragma once
// Kernel events after which the host may differ from its profiles: uevents (a device added,
// removed, bound or unbound: a PF driver reload, VFs created or destroyed through
// sriov_numvfs, an mdev parent or instance coming or going) and rtnetlink link notifications
// (a VF's MAC, VLAN or trust changed with ip link). What watch waits on between its checks.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "sriov/error.hpp"

namespace sriov {

// One kernel uevent, from its NUL-separated KEY=VALUE message.
struct Uevent {
  std::string action, devpath, subsystem, driver;
};
// nullopt when the message is not a kernel uevent ("ACTION@DEVPATH" first).
std::optional<Uevent> parse_uevent(const char* data, size_t size);
// Whether an event can change what a profile covers (PCI, network, mdev and its sample
// parents, modules, VFIO devices); block, input, power and the like cannot.
bool relevant(const Uevent& event);

class HostEvents {
 public:
  // Subscribes to both; an error when neither socket can be opened.
  static Result<HostEvents> open();
  HostEvents(HostEvents&& other) noexcept;
  HostEvents& operator=(HostEvents&&) = delete;
  HostEvents(const HostEvents&) = delete;
  ~HostEvents();
  // Waits up to `timeout` (or until a signal) for events and returns the relevant ones that
  // arrived, described ("add pci /devices/pci0000:00/0000:00:03.0", "link eth0"); empty on
  // timeout.
  std::vector<std::string> wait(std::chrono::milliseconds timeout);

 private:
  HostEvents(int uevent_fd, int link_fd) : uevent_fd_(uevent_fd), link_fd_(link_fd) {}
  void drain_uevents(std::vector<std::string>& out);
  void drain_links(std::vector<std::string>& out);
  int uevent_fd_ = -1, link_fd_ = -1;
};

}  // namespace sriov
