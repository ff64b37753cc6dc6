#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) {
  tools::tune_allocator();
  int status = sriovctl::run(argc, argv, std::cout, std::cerr);
  return tools::finish_stdout(status, "sriovctl");
}
