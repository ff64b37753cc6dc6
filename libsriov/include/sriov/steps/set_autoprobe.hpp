#pragma once
#include <string>

#include "sriov/step.hpp"

namespace sriov {

// sriov_drivers_autoprobe of a PF: whether the kernel probes new VFs with their default driver.
struct SetAutoprobe {
  std::string pf;       // PF label for messages
  std::string pf_path;  // host path of the PF device directory
  bool from = true, to = true;
};
SRIOV_STEP_KIND(SetAutoprobe, "set-autoprobe");

}  // namespace sriov
