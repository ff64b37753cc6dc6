#include "sriov/sysfs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>

#include "kernel_helper.hpp"
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

// The errors of reading a file, the same whether this process or the kernel helper read it.
Error open_failed(const std::string& shown, int err) {
  return Error{err == ENOENT ? Errc::not_found : Errc::io,
               fmt::format("reading {}: {}", shown, std::strerror(err)), shown, err};
}
Error read_failed(const std::string& shown, int err) {
  return Error{err == ENXIO || err == ENODEV ? Errc::unsupported : Errc::io,
               fmt::format("reading {}: {}", shown, std::strerror(err)), shown, err};
}
Error too_large(const std::string& shown, size_t limit) {
  return Error{Errc::io,
               fmt::format("{} is larger than {} bytes, more than such a file ever holds: check "
                           "what it is",
                           shown, limit),
               shown, 0};
}

std::string_view file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}
Error not_regular(const std::string& shown, mode_t mode) {
  return Error{Errc::io,
               fmt::format("{} is {}, where a regular file belongs: nothing was read from it; "
                           "move it away",
                           shown, file_kind(mode)),
               shown, 0};
}

Result<std::string> read_fd_all(int fd, const std::string& shown, size_t limit) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      return tl::unexpected(read_failed(shown, errno));
    }
    if (n == 0) break;
    // Checked as it grows: a file that grows while it is read is bounded too.
    if (out.size() + static_cast<size_t>(n) > limit) return tl::unexpected(too_large(shown, limit));
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// The attributes whose show() takes the device lock, which a VF enable or disable (the PF's)
// or a driver unbind (the device's) holds for as long as it blocks, in an uninterruptible
// sleep, typically while a VM holds a VF: read in this process, the read would hang the
// command with no way out. The kernel helper reads them under the watchdog instead.
bool takes_device_lock(std::string_view host_path) {
  auto slash = host_path.rfind('/');
  auto name = slash == std::string_view::npos ? host_path : host_path.substr(slash + 1);
  return name == "sriov_numvfs" || name == "driver_override";
}

}  // namespace

Result<std::string> read_regular_file(const fs::path& path, std::string_view shown, size_t limit) {
  std::string name(shown);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) return tl::unexpected(open_failed(name, errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return tl::unexpected(open_failed(name, err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return tl::unexpected(not_regular(name, st.st_mode));
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
  auto text = takes_device_lock(host_path) ? read_watched(r->string(), host_path, limit)
                                           : read_regular_file(*r, host_path, limit);
  if (!text) return text;
  while (!text->empty() && (text->back() == '\n' || text->back() == '\0')) text->pop_back();
  return text;
}

Result<std::string> Sysfs::read_watched(const std::string& path, std::string_view host_path,
                                        size_t limit) const {
  std::string name(host_path);
  pid_t pid = -1;
  auto got = detail::KernelHelper::instance().read(path, read_timeout_, pid);
  if (!got)
    return fail(Errc::timeout,
                fmt::format("reading {} did not return within {:g} s: the kernel holds the "
                            "device's lock, usually for a VF enable or disable or a driver "
                            "unbind that waits for a VM or another process to let go of a "
                            "device (process {} stays stuck until the read returns); nothing "
                            "was written",
                            name, static_cast<double>(read_timeout_.count()) / 1000, pid),
                name);
  if (got->type == 0) return tl::unexpected(open_failed(name, got->error));
  if (got->type != S_IFREG) return tl::unexpected(not_regular(name, got->type));
  if (got->error != 0) return tl::unexpected(read_failed(name, got->error));
  if (got->text.size() > std::min(limit, detail::kHelperReadLimit))
    return tl::unexpected(too_large(name, std::min(limit, detail::kHelperReadLimit)));
  return std::move(got->text);
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

Status Sysfs::write(std::string_view host_path, std::string_view value,
                    std::chrono::milliseconds timeout) const {
  auto r = real(host_path);
  if (!r) return tl::unexpected(r.error());
  std::string path = r->string();
  if (path.size() + value.size() + 1 + sizeof(int) > detail::kHelperMaxRequest)
    return fail(Errc::invalid_input,
                fmt::format("writing {} bytes to {}: too long for a sysfs attribute",
                            value.size(), host_path),
                std::string(host_path));
  int flags = O_WRONLY | O_CLOEXEC | (live_ ? 0 : O_CREAT | O_TRUNC);
  pid_t pid = -1;
  auto err = detail::KernelHelper::instance().write(path, value, flags, timeout, pid);
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
