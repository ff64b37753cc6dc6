#include "sriov/error.hpp"

namespace sriov {

int exit_status(Errc code) {
  switch (code) {
    case Errc::invalid_input: return 2;
    case Errc::refused: return 3;
    case Errc::not_found: return 4;
    case Errc::timeout: return 5;
    case Errc::rollback_incomplete: return 6;
    case Errc::unsupported:
    case Errc::kernel:
    case Errc::io: return 1;
  }
  return 1;
}

std::string_view code_name(Errc code) {
  switch (code) {
    case Errc::invalid_input: return "invalid-input";
    case Errc::not_found: return "not-found";
    case Errc::refused: return "refused";
    case Errc::unsupported: return "unsupported";
    case Errc::kernel: return "kernel";
    case Errc::io: return "io";
    case Errc::timeout: return "timeout";
    case Errc::rollback_incomplete: return "rollback-incomplete";
  }
  return "io";
}

}  // namespace sriov
