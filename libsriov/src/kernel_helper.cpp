#include "kernel_helper.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

namespace sriov::detail {
namespace {

// Requests are [int op][path NUL][value]: op is open(2)'s flags for a write, kReadOp for a
// read. Replies are [int errno] for a write, [int errno][unsigned type][bytes] for a read.
constexpr int kReadOp = -1;
constexpr size_t kMaxRequest = kHelperMaxRequest;
constexpr size_t kHeader = sizeof(int) + sizeof(unsigned);
constexpr size_t kMaxReply = kHeader + kHelperReadLimit + 1;

// Counts the forks this process descends from (a pthread_atfork child handler): a helper
// belongs to the process generation that started it. Cheaper than a getpid() per access, a
// system call that emulation makes cost as much as the sysfs write itself.
std::atomic<unsigned> g_fork_generation{0};
void note_fork_in_child() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

// Child: only async-signal-safe calls from here on (the parent may have had other threads).
void close_others(int keep) {
  auto close_from = [](unsigned first, unsigned last) {
    if (first > last) return;
    if (::close_range(first, last, 0) == 0) return;
    for (unsigned fd = first; fd <= last && fd < 65536; ++fd) ::close(static_cast<int>(fd));
  };
  if (keep > 0) close_from(0, static_cast<unsigned>(keep) - 1);
  close_from(static_cast<unsigned>(keep) + 1, ~0U);
}

int do_write(const char* path, int flags, const char* value, size_t value_len) {
  int out = ::open(path, flags, 0644);
  if (out < 0) return errno;
  int err = 0;
  ssize_t w = ::write(out, value, value_len);
  if (w < 0) err = errno;
  else if (static_cast<size_t>(w) != value_len) err = EIO;
  if (::close(out) != 0 && err == 0) err = errno;
  return err;
}

// Fills reply's header and bytes; returns the reply's length. Not a regular file (a FIFO
// planted in a tree): nothing is read, the caller says what it is.
size_t do_read(const char* path, char* reply) {
  int err = 0;
  unsigned type = 0;
  size_t len = 0;
  int in = ::open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (in < 0) {
    err = errno;
  } else {
    struct stat st {};
    if (::fstat(in, &st) != 0) err = errno;
    else type = st.st_mode & S_IFMT;
    while (err == 0 && S_ISREG(type) && len < kHelperReadLimit + 1) {
      ssize_t n = ::read(in, reply + kHeader + len, kHelperReadLimit + 1 - len);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) err = errno;
      if (n <= 0) break;
      len += static_cast<size_t>(n);
    }
    ::close(in);
  }
  std::memcpy(reply, &err, sizeof err);
  std::memcpy(reply + sizeof err, &type, sizeof type);
  return kHeader + len;
}

[[noreturn]] void serve(int fd) {
  close_others(fd);
  static char buf[kMaxRequest + 1];
  static char reply[kMaxReply];
  for (;;) {
    ssize_t n = ::recv(fd, buf, kMaxRequest, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= static_cast<ssize_t>(sizeof(int))) ::_exit(0);  // parent gone (or garbage)
    buf[n] = '\0';
    int op;
    std::memcpy(&op, buf, sizeof op);
    const char* path = buf + sizeof op;
    size_t path_len = ::strlen(path);
    const char* value = path + path_len + 1;
    size_t length;
    if (op == kReadOp) {
      length = do_read(path, reply);
    } else {
      size_t value_len = static_cast<size_t>(n) - sizeof op - path_len - 1;
      int err = do_write(path, op, value, value_len);
      std::memcpy(reply, &err, sizeof err);
      length = sizeof err;
    }
    if (::send(fd, reply, length, MSG_NOSIGNAL) != static_cast<ssize_t>(length)) ::_exit(0);
  }
}

std::string request_of(int op, const std::string& path, std::string_view value) {
  std::string request(sizeof op, '\0');
  std::memcpy(request.data(), &op, sizeof op);
  request += path;
  request += '\0';
  request += value;
  return request;
}

}  // namespace

KernelHelper& KernelHelper::instance() {
  static KernelHelper helper;
  return helper;
}

KernelHelper::KernelHelper() { ::pthread_atfork(nullptr, nullptr, note_fork_in_child); }
KernelHelper::~KernelHelper() { stop(true); }

std::optional<int> KernelHelper::write(const std::string& path, std::string_view value, int flags,
                                       std::chrono::milliseconds timeout, pid_t& pid) {
  if (path.size() + value.size() + 1 + sizeof(int) > kMaxRequest) return E2BIG;
  std::string reply;
  bool timed_out = false;
  int err = 0;
  if (!exchange(request_of(flags, path, value), reply, timeout, pid, timed_out, err))
    return timed_out ? std::nullopt : std::optional<int>(err);
  if (reply.size() != sizeof err) return EIO;
  std::memcpy(&err, reply.data(), sizeof err);
  return err;
}

std::optional<HelperRead> KernelHelper::read(const std::string& path,
                                             std::chrono::milliseconds timeout, pid_t& pid) {
  HelperRead out;
  if (path.size() + 1 + sizeof(int) > kMaxRequest) {
    out.error = ENAMETOOLONG;
    return out;
  }
  std::string reply;
  bool timed_out = false;
  if (!exchange(request_of(kReadOp, path, {}), reply, timeout, pid, timed_out, out.error))
    return timed_out ? std::nullopt : std::optional<HelperRead>(out);
  if (reply.size() < kHeader) {
    out.error = EIO;
    return out;
  }
  std::memcpy(&out.error, reply.data(), sizeof out.error);
  std::memcpy(&out.type, reply.data() + sizeof out.error, sizeof out.type);
  out.text = reply.substr(kHeader);
  return out;
}

bool KernelHelper::exchange(const std::string& request, std::string& reply,
                            std::chrono::milliseconds timeout, pid_t& pid, bool& timed_out,
                            int& err) {
  std::lock_guard lock(mutex_);
  if (!owned()) forget();  // a forked copy of this process: never share a helper
  for (int attempt = 0;; ++attempt) {
    if (pid_ < 0 && !start()) {
      err = errno ? errno : EIO;
      return false;
    }
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) ==
        static_cast<ssize_t>(request.size()))
      break;
    stop(true);  // it died (killed from outside): one more try with a fresh one
    if (attempt > 0) {
      err = EIO;
      return false;
    }
  }
  pid = pid_;
  pollfd pfd{fd_, POLLIN, 0};
  int ready;
  do {
    ready = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  } while (ready < 0 && errno == EINTR);
  if (ready == 0) {
    ::kill(pid_, SIGKILL);  // takes effect when the call returns, if ever
    ::waitpid(pid_, nullptr, WNOHANG);
    forget();
    timed_out = true;
    return false;
  }
  reply.resize(kMaxReply);
  ssize_t n = ::recv(fd_, reply.data(), reply.size(), 0);
  if (n <= 0) {
    stop(true);
    err = EIO;
    return false;
  }
  reply.resize(static_cast<size_t>(n));
  return true;
}

bool KernelHelper::start() {
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

void KernelHelper::stop(bool reap) {
  if (pid_ < 0 || !owned()) return forget();
  ::close(fd_);  // the helper sees the end of its requests and exits
  if (reap) ::waitpid(pid_, nullptr, 0);
  fd_ = -1;
  pid_ = -1;
}

void KernelHelper::forget() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  pid_ = -1;
}

bool KernelHelper::owned() const {
  return owner_ == g_fork_generation.load(std::memory_order_relaxed);
}

}  // namespace sriov::detail
