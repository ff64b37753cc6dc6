#include "helpers.hpp"

#include <algorithm>
#include <fstream>
#include <vector>

namespace fs = std::filesystem;

namespace test {

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
