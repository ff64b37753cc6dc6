// runstat [--fds] COMMAND [ARG...]: runs a command and prints its wall time and peak memory on
// stderr as "runstat: wall_s=0.0123 maxrss_kb=3456 status=0". Used by the benchmarks in the
// guest, where busybox's time has neither precision nor memory figures.
//
// --fds adds "fds_at_exit=N fds=3:TARGET,...": the descriptors other than 0-2 the command still held when it
// called exit, read from /proc/PID/fd at the ptrace exit stop (which comes before the kernel
// closes them). -1 when the command died of a signal that skips that stop. The soak uses it to
// show that a run leaves nothing open however many runs came before; ptrace slows the command,
// so the benchmarks do not ask for it.
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

namespace {

// The descriptors other than 0-2 and what they are ("3:/run/sriov/lock"), -1 if unreadable.
int count_fds(pid_t pid, std::string& what) {
  std::error_code ec;
  int n = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    auto name = entry.path().filename().string();
    if (name == "0" || name == "1" || name == "2") continue;
    ++n;
    what += (what.empty() ? "" : ",") + name + ":" +
            std::filesystem::read_symlink(entry.path(), ec).string();
  }
  return ec ? -1 : n;
}

[[noreturn]] void exec_child(char** argv, bool traced) {
  if (traced) {
    ::close_range(3, ~0U, 0);  // what it holds at exit is then its own, not what we inherited
    ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    ::raise(SIGSTOP);  // lets the parent set the options before exec
  }
  execvp(argv[0], argv);
  std::perror(argv[0]);
  _exit(127);
}

// Waits for the child to end, resuming it at every ptrace stop (signals are passed on) and
// counting its descriptors at the exit stop.
int wait_traced(pid_t pid, rusage& usage, int& fds, std::string& what) {
  int status = 0;
  wait4(pid, &status, 0, &usage);  // the SIGSTOP before exec
  ::ptrace(PTRACE_SETOPTIONS, pid, nullptr,
           reinterpret_cast<void*>(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL));
  ::ptrace(PTRACE_CONT, pid, nullptr, nullptr);
  while (wait4(pid, &status, 0, &usage) == pid && WIFSTOPPED(status)) {
    int event = status >> 16, signal = 0;
    if (event == PTRACE_EVENT_EXIT) fds = count_fds(pid, what);
    else if (event == 0 && WSTOPSIG(status) != SIGTRAP) signal = WSTOPSIG(status);
    ::ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void*>(static_cast<long>(signal)));
  }
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  bool fds_wanted = argc > 1 && std::strcmp(argv[1], "--fds") == 0;
  int first = fds_wanted ? 2 : 1;
  if (argc <= first) {
    std::fprintf(stderr, "usage: runstat [--fds] COMMAND [ARG...]\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) exec_child(argv + first, fds_wanted);
  int status = 0, fds = -1;
  std::string what;
  rusage usage{};
  if (fds_wanted) status = wait_traced(pid, usage, fds, what);
  else wait4(pid, &status, 0, &usage);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::fprintf(stderr, "runstat: wall_s=%.4f maxrss_kb=%ld status=%d", wall, usage.ru_maxrss,
               code);
  if (fds_wanted) std::fprintf(stderr, " fds_at_exit=%d fds=%s", fds, what.c_str());
  std::fprintf(stderr, "\n");
  return code;
}
