// runstat COMMAND [ARG...]: runs a command and prints its wall time and peak memory on stderr
// as "runstat: wall_s=0.0123 maxrss_kb=3456 status=0". Used by the benchmarks in the guest,
// where busybox's time has neither precision nor memory figures.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: runstat COMMAND [ARG...]\n");
    return 2;
  }
  auto start = std::chrono::steady_clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    std::perror(argv[1]);
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::fprintf(stderr, "runstat: wall_s=%.4f maxrss_kb=%ld status=%d\n", wall, usage.ru_maxrss,
               code);
  return code;
}
