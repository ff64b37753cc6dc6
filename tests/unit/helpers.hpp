#pragma once
// Test helpers: fixture trees (built by the fixtures.build CTest fixture) and scratch copies.

#include <cstdlib>
#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

namespace test {

inline std::filesystem::path fixtures_dir() {
  const char* dir = std::getenv("SRIOV_FIXTURES_DIR");
  if (!dir || !*dir) FAIL("SRIOV_FIXTURES_DIR is not set: run the tests through ctest");
  return dir;
}

inline std::filesystem::path fixture(const std::string& host) {
  auto path = fixtures_dir() / host;
  if (!std::filesystem::is_directory(path)) FAIL("fixture host missing: " << path);
  return path;
}

// A private writable copy of a fixture host, removed at scope exit.
class ScratchHost {
 public:
  explicit ScratchHost(const std::string& host) {
    char tmpl[] = "/tmp/sriov-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    std::filesystem::copy(fixture(host), dir_,
                          std::filesystem::copy_options::recursive |
                              std::filesystem::copy_options::copy_symlinks);
  }
  ~ScratchHost() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

// Compares actual with the file at path; SRIOV_UPDATE_GOLDEN=1 rewrites the file instead.
void check_golden_file(const std::filesystem::path& path, const std::string& actual);

// Every file's path, type, link target and contents, for "nothing was written" checks.
std::string tree_digest(const std::filesystem::path& root);

}  // namespace test
