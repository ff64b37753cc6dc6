#include "sriov/wait.hpp"

#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

namespace sriov {
namespace {

class UeventSocket {
 public:
  UeventSocket() {
    fd_ = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
    if (fd_ < 0) return;
    sockaddr_nl addr{};
    addr.nl_family = AF_NETLINK;
    addr.nl_groups = 1;  // kernel uevents
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~UeventSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  UeventSocket(const UeventSocket&) = delete;
  UeventSocket& operator=(const UeventSocket&) = delete;

  // Waits for an event or the timeout, then drains what arrived.
  void wait(std::chrono::milliseconds timeout) {
    if (fd_ < 0) {
      ::poll(nullptr, 0, static_cast<int>(timeout.count()));
      return;
    }
    pollfd pfd{fd_, POLLIN, 0};
    if (::poll(&pfd, 1, static_cast<int>(timeout.count())) > 0) {
      char buf[8192];
      while (::recv(fd_, buf, sizeof buf, 0) > 0) {
      }
    }
  }

 private:
  int fd_ = -1;
};

}  // namespace

bool wait_until(const Sysfs& sysfs, const std::function<bool()>& ready,
                std::chrono::milliseconds timeout) {
  // Most waits are over at once (the kernel finished within the write): no socket for those.
  if (ready()) return true;
  if (!sysfs.live()) return false;  // a fixture tree never changes
  UeventSocket events;  // subscribed before the next check, so no event is lost in between
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (ready()) return true;
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now);
    events.wait(std::min(left, std::chrono::milliseconds(1000)));
  }
}

}  // namespace sriov
