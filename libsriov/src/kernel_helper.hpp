#pragma once
// The helper process that performs this process's kernel accesses that can block: every sysfs
// write, and the reads of attributes whose show() takes a device lock (see sysfs.cpp). Some
// block for as long as a VM holds a device (sriov_numvfs, unbind), in an uninterruptible
// sleep: a thread stuck there could not be abandoned, and a process with such a thread cannot
// even exit. The helper can be: after a timeout it is left to the kernel (killed, so it ends
// when the call returns, if ever) and the next access forks a new one.
//
// It is forked on first use and reused, so a command that writes a hundred attributes forks
// once, not a hundred times (a fork of a tool of a few MB costs ~10 ms under QEMU TCG, more
// than the write). It keeps no descriptor of the parent's but its socket: a lock (the host
// lock's flock) or a pipe the parent closes must not stay open here, least of all while stuck.

#include <sys/types.h>

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace sriov::detail {

// What a read through the helper found: the open's or read's errno (0 when read), the file's
// type bits (st_mode & S_IFMT; 0 when it could not be opened) and its first bytes.
struct HelperRead {
  int error = 0;
  unsigned type = 0;
  std::string text;
};

// At most this many bytes come back from a read: a sysfs attribute is at most a page.
inline constexpr size_t kHelperReadLimit = 4096;
// A request (path and value) longer than this is refused with E2BIG.
inline constexpr size_t kHelperMaxRequest = 16384;

class KernelHelper {
 public:
  static KernelHelper& instance();

  // errno of open+write of `value` to `path` with open(2) `flags` (0 on success), or nullopt
  // when it did not return within the timeout; `pid` is the helper (named when left stuck).
  std::optional<int> write(const std::string& path, std::string_view value, int flags,
                           std::chrono::milliseconds timeout, pid_t& pid);
  // Opens `path` non-blocking and, when it is a regular file, reads up to kHelperReadLimit + 1
  // bytes (one more tells the caller it is too large). nullopt on timeout, as for write.
  std::optional<HelperRead> read(const std::string& path, std::chrono::milliseconds timeout,
                                 pid_t& pid);

  KernelHelper(const KernelHelper&) = delete;
  KernelHelper& operator=(const KernelHelper&) = delete;

 private:
  KernelHelper();
  ~KernelHelper();
  // Sends one request and waits for its reply; false with `timed_out` or errno in `err`.
  bool exchange(const std::string& request, std::string& reply, std::chrono::milliseconds timeout,
                pid_t& pid, bool& timed_out, int& err);
  bool start();
  void stop(bool reap);
  void forget();
  bool owned() const;

  std::mutex mutex_;
  int fd_ = -1;
  pid_t pid_ = -1;
  unsigned owner_ = ~0U;
};

}  // namespace sriov::detail
