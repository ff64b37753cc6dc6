#pragma once
// Fault injection for the real-kernel rig's fault and kill matrices (tests/vm/scenarios/
// fault-matrix.sh): SRIOV_FAULT=K:WHAT makes step K (1-based) of a plan
//   fail          fail before it writes anything (the run's undo path)
//   kill-before   SIGKILL before the step starts
//   kill-started  SIGKILL once its "started" journal record is on disk, before its first write
//   kill-after    SIGKILL after its writes, before its "done" record
//   kill-torn-started  killed (SIGXFSZ) inside the write(2) of its "started" record
//   kill-torn-done     killed (SIGXFSZ) inside the write(2) of its "done" record
// It is compiled into every build so the rig tests the binaries operators run, and it acts only
// when the host says it may: the file /run/sriov/fault-injection-armed exists under the
// sysfs root. Set without that file, it is ignored with a warning.

#include <functional>
#include <memory>
#include <string>

#include "sriov/executor.hpp"
#include "sriov/sysfs.hpp"

namespace tools {

// The runner itself, or a wrapper that injects the fault SRIOV_FAULT asks for; `warn` is
// told when the variable is set but cannot act (not armed, or not understood).
std::unique_ptr<sriov::StepRunner> with_fault_injection(
    std::unique_ptr<sriov::StepRunner> runner, const sriov::Sysfs& sysfs,
    const std::function<void(const std::string&)>& warn);

}  // namespace tools
