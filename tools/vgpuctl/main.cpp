#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  tools::tune_allocator();
  int status = vgpuctl::run(argc, argv, std::cout, std::cerr);
  return tools::finish_stdout(status, "vgpuctl");
}
