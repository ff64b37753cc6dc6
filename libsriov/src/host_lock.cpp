#include "sriov/host_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <thread>

namespace sriov {

Result<HostLock> HostLock::acquire(const Sysfs& sysfs, std::chrono::milliseconds timeout,
                                   const std::string& command) {
  std::string host_path = std::string(kRunDir) + "/lock";
  auto path = sysfs.real(host_path);
  if (!path) return tl::unexpected(path.error());
  std::error_code ec;
  std::filesystem::create_directories(path->parent_path(), ec);
  if (ec)  // the reason, not the ENOENT of the open that would follow
    return fail(Errc::io, fmt::format("cannot create {} for the host lock: {}", kRunDir,
                                      ec.message()),
                std::string(kRunDir), ec.value());
  int fd = ::open(path->c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
  if (fd < 0)
    return fail(Errc::io, fmt::format("cannot open the host lock {}: {}", host_path,
                                      std::strerror(errno)),
                host_path, errno);
  // flock works on a FIFO or a device too, but the holder's name could not be kept in one,
  // and whatever put it there is not ours: refuse before waiting or writing anything.
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(Errc::io,
                fmt::format("the host lock {} is {}, not a regular file: no writer runs until it "
                            "is removed (check what made it)",
                            host_path, S_ISFIFO(st.st_mode)  ? "a FIFO"
                                       : S_ISDIR(st.st_mode) ? "a directory"
                                                             : "a special file"),
                host_path);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return fail(Errc::io, fmt::format("cannot lock {}: {}", host_path, std::strerror(err)),
                  host_path, err);
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      char buf[512] = {};
      ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
      std::string holder = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "an unknown process";
      while (!holder.empty() && holder.back() == '\n') holder.pop_back();
      ::close(fd);
      return fail(Errc::timeout,
                  fmt::format("another command holds the host lock {} ({}); waited {:g} s. It "
                              "serialises every command of both tools that writes: wait for it "
                              "to finish or raise --lock-timeout",
                              host_path, holder, static_cast<double>(timeout.count()) / 1000),
                  host_path);
    }
    // A lock held by another command is released when it exits; polling it is the only way
    // flock offers short of blocking without a bound.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::time_t now = std::time(nullptr);
  std::string who = fmt::format("pid {}, '{}', since {:%Y-%m-%d %H:%M:%S}", ::getpid(), command,
                                fmt::localtime(now));
  if (::ftruncate(fd, 0) == 0) {
    ssize_t ignored = ::pwrite(fd, who.data(), who.size(), 0);
    (void)ignored;
  }
  return HostLock(fd);
}

HostLock::~HostLock() {
  if (fd_ < 0) return;
  if (::ftruncate(fd_, 0) != 0) {
    // Leaving the old holder's name behind only misleads a later message.
  }
  ::close(fd_);  // releases the flock
}

}  // namespace sriov
