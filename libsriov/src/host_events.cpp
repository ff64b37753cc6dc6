// The kernel's uevent and rtnetlink link broadcasts, read without libnl: a uevent is a
// NUL-separated text message, a link notification only needs its interface index and name.
#include "sriov/host_events.hpp"

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace sriov {
namespace {

int subscribe(int protocol, unsigned groups) {
  int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  if (fd < 0) return -1;
  sockaddr_nl addr{};
  addr.nl_family = AF_NETLINK;
  addr.nl_groups = groups;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  // A burst (hundreds of VFs appearing) must not overflow the queue between two reads.
  int size = 4 << 20;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  return fd;
}

}  // namespace

std::optional<Uevent> parse_uevent(const char* data, size_t size) {
  std::string_view all(data, size);
  auto first = all.substr(0, all.find('\0'));
  if (first.find('@') == std::string_view::npos) return std::nullopt;  // udev's, or garbage
  Uevent e;
  size_t pos = first.size() + 1;
  while (pos < all.size()) {
    auto end = all.find('\0', pos);
    auto field = all.substr(pos, end == std::string_view::npos ? end : end - pos);
    pos = end == std::string_view::npos ? all.size() : end + 1;
    auto eq = field.find('=');
    if (eq == std::string_view::npos) continue;
    auto key = field.substr(0, eq), value = field.substr(eq + 1);
    if (key == "ACTION") e.action = value;
    else if (key == "DEVPATH") e.devpath = value;
    else if (key == "SUBSYSTEM") e.subsystem = value;
    else if (key == "DRIVER") e.driver = value;
  }
  if (e.action.empty()) return std::nullopt;
  return e;
}

bool relevant(const Uevent& e) {
  static constexpr std::array<std::string_view, 11> kSubsystems = {
      "pci", "net", "mdev", "mdev_bus", "module", "vfio", "vfio-dev", "netdevsim", "mbochs",
      "mtty", "mdpy"};
  for (auto s : kSubsystems)
    if (e.subsystem == s) return true;
  return false;
}

Result<HostEvents> HostEvents::open() {
  int uevents = subscribe(NETLINK_KOBJECT_UEVENT, 1);  // group 1: the kernel's, not udev's
  int links = subscribe(NETLINK_ROUTE, RTMGRP_LINK);
  if (uevents < 0 && links < 0)
    return fail(Errc::io, std::string("subscribing to kernel events (netlink): ") +
                              std::strerror(errno));
  return HostEvents(uevents, links);
}

HostEvents::HostEvents(HostEvents&& other) noexcept
    : uevent_fd_(other.uevent_fd_), link_fd_(other.link_fd_) {
  other.uevent_fd_ = other.link_fd_ = -1;
}

HostEvents::~HostEvents() {
  if (uevent_fd_ >= 0) ::close(uevent_fd_);
  if (link_fd_ >= 0) ::close(link_fd_);
}

std::vector<std::string> HostEvents::wait(std::chrono::milliseconds timeout) {
  std::vector<std::string> out;
  pollfd fds[2] = {{uevent_fd_, POLLIN, 0}, {link_fd_, POLLIN, 0}};
  if (::poll(fds, 2, static_cast<int>(timeout.count())) <= 0) return out;  // timeout, signal
  drain_uevents(out);
  drain_links(out);
  return out;
}

void HostEvents::drain_uevents(std::vector<std::string>& out) {
  if (uevent_fd_ < 0) return;
  static thread_local char buf[16384];
  ssize_t n;
  while ((n = ::recv(uevent_fd_, buf, sizeof buf, 0)) > 0) {
    auto e = parse_uevent(buf, static_cast<size_t>(n));
    if (e && relevant(*e)) out.push_back(e->action + " " + e->subsystem + " " + e->devpath);
  }
  if (n < 0 && errno == ENOBUFS) out.push_back("uevents lost (queue overflow)");
}

void HostEvents::drain_links(std::vector<std::string>& out) {
  if (link_fd_ < 0) return;
  alignas(nlmsghdr) static thread_local char buf[65536];
  ssize_t n;
  while ((n = ::recv(link_fd_, buf, sizeof buf, 0)) > 0) {
    int left = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
      if (h->nlmsg_type != RTM_NEWLINK && h->nlmsg_type != RTM_DELLINK) continue;
      auto* info = static_cast<ifinfomsg*>(NLMSG_DATA(h));
      char name[IF_NAMESIZE] = {};
      std::string ifname = if_indextoname(info->ifi_index, name) ? name : std::to_string(info->ifi_index);
      out.push_back((h->nlmsg_type == RTM_NEWLINK ? "link " : "dellink ") + ifname);
    }
  }
  if (n < 0 && errno == ENOBUFS) out.push_back("link notifications lost (queue overflow)");
}

}  // namespace sriov
