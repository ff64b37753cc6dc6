#pragma once
// Shared by the harnesses: property checks that abort (so libFuzzer keeps the input), and a
// scratch Sysfs root for readers that only take their input from files.

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

// A broken property is a finding like a crash: abort with the reason.
#define FUZZ_CHECK(cond)                                                              \
  do {                                                                                \
    if (!(cond)) {                                                                    \
      std::fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                   \
    }                                                                                 \
  } while (0)

namespace fuzz {

inline std::string_view text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// One private directory per process (parallel jobs must not share it), removed at exit.
inline const std::filesystem::path& scratch_root() {
  static const std::filesystem::path root = [] {
    std::string tmpl = (std::filesystem::temp_directory_path() / "sriov-fuzz.XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) std::abort();
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch_root(), ec);
    });
    return std::filesystem::path(tmpl);
  }();
  return root;
}

// Writes the input as the file at host_path under the scratch root.
inline void put_file(std::string_view host_path, std::string_view content) {
  auto path = scratch_root() / std::filesystem::path(host_path).relative_path();
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(content.data(), content.size());
}

}  // namespace fuzz
