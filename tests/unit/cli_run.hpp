#pragma once
// sriovctl run in-process with captured streams, for the tests of its verbs.

#include <sstream>
#include <string>
#include <vector>

#include "cli.hpp"

namespace test {

struct CliResult {
  int status;
  std::string out, err;
};

inline CliResult run_sriovctl(std::vector<std::string> args) {
  args.insert(args.begin(), "sriovctl");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status = sriovctl::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

}  // namespace test
