#include "sriov/sysfs.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <system_error>

#include "parse_util.hpp"

namespace fs = std::filesystem;

namespace sriov {
namespace {

fs::path relative_part(std::string_view host_path) {
  while (!host_path.empty() && host_path.front() == '/') host_path.remove_prefix(1);
  return fs::path(std::string(host_path)).lexically_normal();
}

bool inside(const fs::path& path, const fs::path& root) {
  auto p = path.native();
  auto r = root.native();
  if (p == r) return true;
  if (!r.empty() && r.back() == '/') return p.rfind(r, 0) == 0;
  return p.size() > r.size() && p.compare(0, r.size(), r) == 0 && p[r.size()] == '/';
}

Result<std::string> read_fd_all(int fd, const std::string& shown, size_t limit) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      return fail(err == ENXIO || err == ENODEV ? Errc::unsupported : Errc::io,
                  fmt::format("reading {}: {}", shown, std::strerror(err)), shown, err);
    }
    if (n == 0) break;
    // Checked as it grows: a file that grows while it is read is bounded too.
    if (out.size() + static_cast<size_t>(n) > limit)
      return fail(Errc::io, fmt::format("{} is larger than {} bytes, more than such a file ever "
                                        "holds: check what it is",
                                        shown, limit),
                  shown);
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

}  // namespace

Result<std::string> read_regular_file(const fs::path& path, std::string_view shown, size_t limit) {
  std::string name(shown);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    int err = errno;
    return fail(err == ENOENT ? Errc::not_found : Errc::io,
                fmt::format("reading {}: {}", name, std::strerror(err)), name, err);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return fail(Errc::io, fmt::format("reading {}: {}", name, std::strerror(err)), name, err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return fail(Errc::io,
                fmt::format("{} is {}, where a regular file belongs: nothing was read from it; "
                            "move it away",
                            name, file_kind(st.st_mode)),
                name);
  }
  auto text = read_fd_all(fd, name, limit);
  ::close(fd);
  return text;
}

std::string join_path(std::string_view dir, std::string_view name) {
  std::string out(dir);
  if (out.empty() || out.back() != '/') out += '/';
  out += name;
  return out;
}

Sysfs::Sysfs(fs::path root) {
  std::error_code ec;
  auto canonical = fs::canonical(root, ec);
  root_ = ec ? root : canonical;
  live_ = root_ == fs::path("/");
}

Result<Sysfs> Sysfs::from(const std::optional<std::string>& cli_root) {
  std::string root = "/";
  if (cli_root && !cli_root->empty()) {
    root = *cli_root;
  } else if (const char* env = std::getenv("SRIOV_SYSFS_ROOT"); env && *env) {
    root = env;
  }
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    return fail(Errc::invalid_input,
                fmt::format("sysfs root '{}' is not a directory (from {})", root,
                            cli_root && !cli_root->empty() ? "--sysfs-root" : "SRIOV_SYSFS_ROOT"),
                root);
  return Sysfs(root);
}

Result<fs::path> Sysfs::real(std::string_view host_path) const {
  // Live host, plain absolute path: nothing to map or check. This is the hot path (thousands
  // of calls for a PF with many VFs), so it avoids splitting the path into components.
  if (live_ && !host_path.empty() && host_path.front() == '/' &&
      host_path.find("/..") == std::string_view::npos && host_path.find("/./") == std::string_view::npos)
    return fs::path(std::string(host_path));
  auto rel = relative_part(host_path);
  if (!rel.empty() && *rel.begin() == "..")
    return fail(Errc::invalid_input, fmt::format("path {} leaves the sysfs root", host_path),
                std::string(host_path));
  fs::path joined = rel.empty() ? root_ : root_ / rel;
  if (live_) return joined;
  std::error_code ec;
  auto resolved = fs::weakly_canonical(joined, ec);
  if (ec) return joined;
  if (!inside(resolved, root_))
    return fail(Errc::invalid_input,
                fmt::format("path {} resolves to {}, outside the sysfs root {}", host_path,
                            resolved.string(), root_.string()),
                std::string(host_path));
  return resolved;
}

Result<std::string> Sysfs::resolve(std::string_view host_path) const {
  auto r = real(host_path);
  if (!r) return tl::unexpected(r.error());
  if (live_) {
    // The kernel resolves it: open O_PATH and read /proc/self/fd/N, three system calls where
    // fs::canonical makes an lstat per component and a readlink per link (~15 for a sysfs
    // device path; reading 256 devices took 10 k of them). Any failure: the portable way below.
    int fd = ::open(r->c_str(), O_PATH | O_CLOEXEC);
    if (fd >= 0) {
      char buf[4096];
      std::string self = "/proc/self/fd/" + std::to_string(fd);
      ssize_t n = ::readlink(self.c_str(), buf, sizeof buf);
      ::close(fd);
      if (n > 0 && static_cast<size_t>(n) < sizeof buf && buf[0] == '/')
        return std::string(buf, static_cast<size_t>(n));
    }
  }
  std::error_code ec;
  auto c = fs::canonical(*r, ec);
  if (ec)
    return fail(Errc::not_found, fmt::format("{}: {}", host_path, ec.message()),
                std::string(host_path), ec.value());
  if (live_) return c.string();
  auto rel = c.lexically_relative(root_);
  return "/" + (rel == "." ? std::string() : rel.string());
}

bool Sysfs::exists(std::string_view host_path) const {
  auto r = real(host_path);
  std::error_code ec;
  return r && fs::exists(*r, ec);
}

bool Sysfs::is_dir(std::string_view host_path) const {
  auto r = real(host_path);
  std::error_code ec;
  return r && fs::is_directory(*r, ec);
}

Result<std::string> Sysfs::read(std::string_view host_path, size_t limit) const {
  auto r = real(host_path);
  if (!r) return tl::unexpected(r.error());
  auto text = read_regular_file(*r, host_path, limit);
  if (!text) return text;
  while (!text->empty() && (text->back() == '\n' || text->back() == '\0')) text->pop_back();
  return text;
}

std::optional<std::string> Sysfs::read_opt(std::string_view host_path) const {
  auto r = read(host_path);
  if (!r) return std::nullopt;
  return *r;
}

Result<long long> Sysfs::read_int(std::string_view host_path, int base) const {
  auto text = read(host_path);
  if (!text) return tl::unexpected(text.error());
  auto t = detail::trim(*text);
  char* end = nullptr;
  std::string s(t);
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, base);
  if (s.empty() || errno != 0 || *end != '\0')
    return fail(Errc::io, fmt::format("{} holds '{}', not a number", host_path, s),
                std::string(host_path));
  return v;
}

std::optional<long long> Sysfs::read_int_opt(std::string_view host_path, int base) const {
  auto r = read_int(host_path, base);
  if (!r) return std::nullopt;
  return *r;
}

std::optional<std::string> Sysfs::read_link(std::string_view host_path) const {
  auto rel = relative_part(host_path);
  auto parent = real("/" + rel.parent_path().string());
  if (!parent) return std::nullopt;
  std::error_code ec;
  auto target = fs::read_symlink(*parent / rel.filename(), ec);
  if (ec) return std::nullopt;
  return target.string();
}

Result<std::string> Sysfs::resolve_link(std::string_view host_path) const {
  if (live_ && !host_path.empty() && host_path.front() == '/') {
    char buf[4096];
    std::string path(host_path);
    ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
    if (n > 0 && static_cast<size_t>(n) < sizeof buf && buf[0] != '/') {
      auto joined = (fs::path(path).parent_path() / std::string_view(buf, static_cast<size_t>(n)))
                        .lexically_normal()
                        .string();
      if (joined.size() > 1 && joined.back() == '/') joined.pop_back();
      return joined;
    }
  }
  return resolve(host_path);
}

std::optional<std::string> Sysfs::link_name(std::string_view host_path) const {
  auto target = read_link(host_path);
  if (!target) return std::nullopt;
  return fs::path(*target).filename().string();
}

std::vector<std::string> Sysfs::list(std::string_view host_path) const {
  std::vector<std::string> names;
  auto r = real(host_path);
  if (!r) return names;
  std::error_code ec;
  for (fs::directory_iterator it(*r, ec), end; !ec && it != end; it.increment(ec))
    names.push_back(it->path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

namespace {

// Counts the forks this process descends from (a pthread_atfork child handler): a writer
// belongs to the process generation that started it. Cheaper than a getpid() per write, a
// system call that emulation makes cost as much as the sysfs write itself.
std::atomic<unsigned> g_fork_generation{0};
void note_fork_in_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

// The process that performs the sysfs writes of this one (see Sysfs::write). It is forked on
// the first write and reused, so a command that writes a hundred attributes forks once, not a
// hundred times (a fork of a tool of a few MB costs ~10 ms under QEMU TCG, more than the write).
// After a timeout it is abandoned to the kernel and the next write forks a new one. It closes
// every descriptor it inherited except its socket.
class Writer {
 public:
  static constexpr size_t kMaxRequest = 16384;
  Writer() { ::pthread_atfork(nullptr, nullptr, note_fork_in_child); }
  ~Writer() { stop(true); }

  // errno of the write (0 on success), or nullopt when it did not return within the timeout;
  // `pid` is the writing process (reported when it is left stuck).
  std::optional<int> write(const std::string& path, std::string_view value, int flags,
                           std::chrono::milliseconds timeout, pid_t& pid) {
    std::lock_guard lock(mutex_);
    if (!owned()) forget();  // a forked copy of this process: never share a writer
    std::string request(sizeof flags, '\0');
    std::memcpy(request.data(), &flags, sizeof flags);
    request += path;
    request += '\0';
    request += value;
    for (int attempt = 0;; ++attempt) {
      if (pid_ < 0 && !start()) return errno ? errno : EIO;
      if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
          static_cast<ssize_t>(request.size()))
        break;
      stop(true);  // it died (killed from outside): one more try with a fresh one
      if (attempt > 0) return EIO;
    }
    pid = pid_;
    pollfd pfd{fd_, POLLIN, 0};
    int ready;
    do {
      ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
    } while (ready < 0 && errno == EINTR);
    if (ready == 0) {
      ::kill(pid_, SIGKILL);  // takes effect when the write returns, if ever
      ::waitpid(pid_, nullptr, WNOHANG);
      forget();
      return std::nullopt;
    }
    int err = EIO;
    if (::recv(fd_, &err, sizeof err, 0) != sizeof err) {
      err = EIO;
      stop(true);
    }
    return err;
  }

 private:
  bool start() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) return false;
    pid_t pid = ::fork();
    if (pid < 0) {
      int err = errno;
      ::close(fds[0]);
      ::close(fds[1]);
      errno = err;
      return false;
    }
    if (pid == 0) {
      ::close(fds[0]);
      serve(fds[1]);
    }
    ::close(fds[1]);
    fd_ = fds[0];
    pid_ = pid;
    owner_ = g_fork_generation.load(std::memory_order_relaxed);
    return true;
  }

  // Child: only async-signal-safe calls (the parent may have had other threads).
  // Keeps nothing of the parent's but the request socket: a lock (the host lock's flock) or a
  // pipe the parent closes must not stay open here, least of all while a write is stuck.
  static void close_others(int keep) {
    auto close_from = [](unsigned first, unsigned last) {
      if (first > last) return;
      if (::close_range(first, last, 0) == 0) return;
      for (unsigned fd = first; fd <= last && fd < 65536; ++fd) ::close(static_cast<int>(fd));
    };
    if (keep > 0) close_from(0, static_cast<unsigned>(keep) - 1);
    close_from(static_cast<unsigned>(keep) + 1, ~0U);
  }

  [[noreturn]] static void serve(int fd) {
    close_others(fd);
    static char buf[kMaxRequest + 1];
    for (;;) {
      ssize_t n = ::recv(fd, buf, kMaxRequest, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= static_cast<ssize_t>(sizeof(int))) ::_exit(0);  // parent gone (or garbage)
      buf[n] = '\0';
      int flags;
      std::memcpy(&flags, buf, sizeof flags);
      const char* path = buf + sizeof flags;
      size_t path_len = ::strlen(path);
      const char* value = path + path_len + 1;
      size_t value_len = static_cast<size_t>(n) - sizeof flags - path_len - 1;
      int err = 0;
      int out = ::open(path, flags, 0644);
      if (out < 0) {
        err = errno;
      } else {
        ssize_t w = ::write(out, value, value_len);
        if (w < 0) err = errno;
        else if (static_cast<size_t>(w) != value_len) err = EIO;
        if (::close(out) != 0 && err == 0) err = errno;
      }
      if (::send(fd, &err, sizeof err, MSG_NOSIGNAL) != sizeof err) ::_exit(0);
    }
  }

  void stop(bool reap) {
    if (pid_ < 0 || !owned()) return forget();
    ::close(fd_);  // the writer sees the end of its requests and exits
    if (reap) ::waitpid(pid_, nullptr, 0);
    fd_ = -1;
    pid_ = -1;
  }
  void forget() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    pid_ = -1;
  }

  bool owned() const { return owner_ == g_fork_generation.load(std::memory_order_relaxed); }

  std::mutex mutex_;
  int fd_ = -1;
  pid_t pid_ = -1;
  unsigned owner_ = ~0U;
};

Writer& writer() {
  static Writer instance;
  return instance;
}

}  // namespace

Status Sysfs::write(std::string_view host_path, std::string_view value,
                    std::chrono::milliseconds timeout) const {
  auto r = real(host_path);
  if (!r) return tl::unexpected(r.error());
  std::string path = r->string();
  if (path.size() + value.size() + 1 + sizeof(int) > Writer::kMaxRequest)
    return fail(Errc::invalid_input,
                fmt::format("writing {} bytes to {}: too long for a sysfs attribute",
                            value.size(), host_path),
                std::string(host_path));
  int flags = O_WRONLY | O_CLOEXEC | (live_ ? 0 : O_CREAT | O_TRUNC);
  pid_t pid = -1;
  auto err = writer().write(path, value, flags, timeout, pid);
  if (!err)
    return fail(Errc::timeout,
                fmt::format("writing {} to {} did not return within {:g} s: the kernel is "
                            "still blocked in that write (process {} stays stuck until it "
                            "returns); usually a VM or another process still uses the device",
                            value, host_path, static_cast<double>(timeout.count()) / 1000, pid),
                std::string(host_path));
  if (*err != 0)
    return fail(*err == ENOENT ? Errc::not_found : Errc::kernel,
                fmt::format("writing {} to {}: {}", value, host_path, std::strerror(*err)),
                std::string(host_path), *err);
  return {};
}

Status Sysfs::write_file(std::string_view host_path, std::string_view content) const {
  auto r = real(host_path);
  if (!r) return tl::unexpected(r.error());
  std::error_code ec;
  fs::create_directories(r->parent_path(), ec);
  if (ec)
    return fail(Errc::io, fmt::format("creating {}: {}", r->parent_path().string(), ec.message()),
                std::string(host_path), ec.value());
  std::string tmp = r->string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return fail(Errc::io, fmt::format("writing {}: {}", host_path, std::strerror(errno)),
                std::string(host_path), errno);
  ssize_t n = ::write(fd, content.data(), content.size());
  int err = n < 0 ? errno : (static_cast<size_t>(n) != content.size() ? EIO : 0);
  if (::fsync(fd) != 0 && err == 0) err = errno;
  if (::close(fd) != 0 && err == 0) err = errno;
  if (err == 0 && ::rename(tmp.c_str(), r->c_str()) != 0) err = errno;
  if (err != 0) {
    ::unlink(tmp.c_str());
    return fail(Errc::io, fmt::format("writing {}: {}", host_path, std::strerror(err)),
                std::string(host_path), err);
  }
  return {};
}

Status Sysfs::remove_file(std::string_view host_path) const {
  auto r = real(host_path);
  if (!r) return tl::unexpected(r.error());
  if (::unlink(r->c_str()) != 0 && errno != ENOENT)
    return fail(Errc::io, fmt::format("removing {}: {}", host_path, std::strerror(errno)),
                std::string(host_path), errno);
  return {};
}

}  // namespace sriov
