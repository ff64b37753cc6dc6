#pragma once
// The host-wide lock that serialises every command of both tools that writes (each verb that
// changes the host, and recover): flock on <root>/run/sriov/lock, whose contents name the
// holder.

#include <chrono>
#include <string>

#include "sriov/error.hpp"
#include "sriov/sysfs.hpp"

namespace sriov {

class HostLock {
 public:
  // Waits up to `timeout` for the lock; the error names the process that holds it.
  static Result<HostLock> acquire(const Sysfs& sysfs, std::chrono::milliseconds timeout,
                                  const std::string& command);
  HostLock(HostLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  HostLock& operator=(HostLock&&) = delete;
  HostLock(const HostLock&) = delete;
  ~HostLock();

 private:
  explicit HostLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

inline constexpr const char* kRunDir = "/run/sriov";

}  // namespace sriov
