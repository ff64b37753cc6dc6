#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  tools::tune_allocator();
  return vgpuctl::run(argc, argv, std::cout, std::cerr);
}
