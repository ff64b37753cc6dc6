#pragma once
// Every change to the host is a Step of a Plan. A planner computes the plan from what the
// user asked for and a snapshot of the host (no writes); an executor runs it, undoing the
// completed steps when one fails; --dry-run runs it through a recording context (step.hpp).

#include <string>
#include <vector>

#include "sriov/step.hpp"
#include "sriov/steps/bind_driver.hpp"
#include "sriov/steps/set_autoprobe.hpp"
#include "sriov/steps/set_numvfs.hpp"
#include "sriov/steps/set_vf_settings.hpp"

namespace sriov {

inline std::string step_action(const Step& step) { return step.action(); }  // "bind", ...
inline std::string step_target(const Step& step) { return step.target(); }  // PF, VF, UUID
inline std::string step_group(const Step& step) { return step.group(); }    // PF, device
inline std::string describe(const Step& step) { return step.describe(); }
// "destroys 4 VFs (2 bound to vfio-pci)" or ""
inline std::string disruption(const Step& step) { return step.disruption(); }
inline std::vector<Write> planned_writes(const Step& step) { return step.writes(); }

struct Plan {
  std::string summary;              // "create 8 VFs on 0000:3b:00.0 (ens1f0)"
  std::vector<Step> steps;
  std::vector<std::string> notes;   // why a plan is empty, what was skipped
  bool empty() const { return steps.empty(); }
};

// What a run of steps would change, as differences: a field several steps change (a VF count
// changed through 0) is one difference, from the first step's "have" to the last's "wanted";
// one whose steps end where they began is none.
std::vector<Difference> net_drift(const std::vector<Step>& steps, size_t first, size_t count);

}  // namespace sriov
