#include "helpers.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <vector>

namespace fs = std::filesystem;

namespace test {

void check_golden_file(const fs::path& path, const std::string& actual) {
  if (const char* update = std::getenv("SRIOV_UPDATE_GOLDEN"); update && *update == '1') {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << actual;
    return;
  }
  std::ifstream in(path);
  if (!in) FAIL("missing golden file " << path << " (run with SRIOV_UPDATE_GOLDEN=1)");
  std::string expected(std::istreambuf_iterator<char>(in), {});
  INFO("golden file " << path);
  CHECK(actual == expected);
}

std::string tree_digest(const fs::path& root) {
  std::string out;
  std::vector<fs::path> paths;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it)
    paths.push_back(it->path());
  std::sort(paths.begin(), paths.end());
  for (const auto& p : paths) {
    out += p.lexically_relative(root).string();
    if (fs::is_symlink(fs::symlink_status(p))) {
      out += " -> " + fs::read_symlink(p).string();
    } else if (fs::is_regular_file(p)) {
      std::ifstream in(p, std::ios::binary);
      out += " = " + std::string(std::istreambuf_iterator<char>(in), {});
    }
    out += "\n";
  }
  return out;
}

}  // namespace test
