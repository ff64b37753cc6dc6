#pragma once
// Sysfs: the one root every sysfs, procfs and devfs path goes through.
//
// Paths are given as host paths ("/sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs") and mapped
// under the root: "/" on a real host, a fixture directory in tests. A path that resolves
// (through ".." or symlinks) outside the root is refused, so a crafted tree cannot make the
// tool read or write the real host.

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sriov/error.hpp"

namespace sriov {

// Bounds of what the tools read whole: a sysfs attribute is at most a page; state files (the
// journal of a run over thousands of VFs) and profiles are larger but never this large.
inline constexpr size_t kMaxAttributeBytes = 1 << 20;
inline constexpr size_t kMaxStateFileBytes = 64 << 20;

// Reads a whole file that must be a regular file of at most `limit` bytes. It is opened
// non-blocking and checked before any read, so a FIFO, a device (/dev/zero) or a directory
// where a file belongs is an error at once instead of a hang or an allocation without end.
// `shown` names the file in messages. Errc::not_found when it does not exist.
Result<std::string> read_regular_file(const std::filesystem::path& path, std::string_view shown,
                                      size_t limit);

// Default watchdog for kernel writes and reads that may block (changeable with --timeout).
inline constexpr std::chrono::seconds kDefaultWriteTimeout{60};

class Sysfs {
 public:
  explicit Sysfs(std::filesystem::path root = "/");

  // --sysfs-root wins, then $SRIOV_SYSFS_ROOT, then "/". The root must be a directory.
  static Result<Sysfs> from(const std::optional<std::string>& cli_root);

  const std::filesystem::path& root() const { return root_; }
  // True on a real host (root "/"): only there do writes have kernel side effects to wait for.
  bool live() const { return live_; }
  // The watchdog of reads that can block in the kernel (the tools give it --timeout).
  void set_read_timeout(std::chrono::milliseconds timeout) { read_timeout_ = timeout; }
  std::chrono::milliseconds read_timeout() const { return read_timeout_; }

  // Maps a host path under the root, following symlinks; refuses escapes.
  Result<std::filesystem::path> real(std::string_view host_path) const;
  // Resolves symlinks and returns the host path (without the root).
  Result<std::string> resolve(std::string_view host_path) const;
  // resolve() for a symlink whose directory is already resolved (no symlink on the way to
  // it), such as /sys/bus/pci/devices/BDF or DEVICE/driver: on a live host one readlink
  // and the target joined to the directory (sysfs links name directories, never other links),
  // where resolve() walks the whole path. Anything else goes through resolve().
  Result<std::string> resolve_link(std::string_view host_path) const;

  bool exists(std::string_view host_path) const;
  bool is_dir(std::string_view host_path) const;
  // File contents without the trailing newline: a regular file (sysfs and procfs attributes
  // are) of at most `limit` bytes, else an error (read_regular_file). The attributes whose
  // show() takes a device lock (sriov_numvfs, driver_override) are read by the kernel helper
  // under the read watchdog: Errc::timeout after read_timeout(), never a hung command.
  Result<std::string> read(std::string_view host_path, size_t limit = kMaxAttributeBytes) const;
  std::optional<std::string> read_opt(std::string_view host_path) const;
  // Decimal (or base-prefixed, with base 0) integer file.
  Result<long long> read_int(std::string_view host_path, int base = 10) const;
  std::optional<long long> read_int_opt(std::string_view host_path, int base = 10) const;
  // Last path component of a symlink's target ("driver" -> "i40e"); nullopt when no link.
  std::optional<std::string> link_name(std::string_view host_path) const;
  // Raw target text of a symlink, not followed (used for /proc/PID/fd/N).
  std::optional<std::string> read_link(std::string_view host_path) const;
  // Sorted names in a directory; empty when it does not exist.
  std::vector<std::string> list(std::string_view host_path) const;

  // Writes value to a sysfs attribute. The write runs in a child process under a watchdog:
  // some kernel writes (sriov_numvfs, unbind) block for as long as a VM holds a device, and a
  // thread stuck in the kernel could not be abandoned. Timeout -> Errc::timeout.
  Status write(std::string_view host_path, std::string_view value,
               std::chrono::milliseconds timeout) const;

  // Regular configuration files (under /etc, say): written whole through a temporary
  // file and rename, so a reader never sees half a file; parent directories are created.
  Status write_file(std::string_view host_path, std::string_view content) const;
  Status remove_file(std::string_view host_path) const;

 private:
  Result<std::string> read_watched(const std::string& path, std::string_view host_path,
                                   size_t limit) const;
  std::filesystem::path root_;
  bool live_ = true;
  std::chrono::milliseconds read_timeout_ = kDefaultWriteTimeout;
};

std::string join_path(std::string_view dir, std::string_view name);

}  // namespace sriov
