#pragma once
// What every writing command of both tools does around its plan: the host lock, the rollback of
// an interrupted run, and the journal that lets the next writer roll this run back if it is
// killed half-way.

#include <optional>
#include <string>

#include "sriov/executor.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/step_codec.hpp"
#include "sriov/sysfs.hpp"
#include "tools/output.hpp"

namespace tools {

sriov::KernelOptions kernel_options(const CommonOptions& options);

// Rolls back an interrupted run if /run/sriov/journal.json has one (whichever tool wrote it)
// and says what it undid: on stderr before another command, on stdout (or as JSON) for
// `sriovctl recover` (report_when_clean). Exit status.
int recover_interrupted(const Output& out, const sriov::Sysfs& sysfs,
                        const sriov::KernelOptions& kernel, bool report_when_clean);

// "PROGRAM ARG...": names the holder of the host lock and the run in the journal.
std::string command_line(const char* program, int argc, const char* const* argv);

// Takes the host lock into `lock` (held until exit), waiting up to --lock-timeout. Prints and
// returns the exit status on failure, 0 otherwise.
int take_host_lock(const Output& out, const sriov::Sysfs& sysfs, const CommonOptions& options,
                   const std::string& command_line, std::optional<sriov::HostLock>& lock);

// Before a command writes, and before it reads the host it plans from: takes the host lock
// and rolls back an interrupted run. Prints and returns the exit status on failure, 0
// otherwise.
int begin_write(const Output& out, const sriov::Sysfs& sysfs, const CommonOptions& options,
                const std::string& command_line, std::optional<sriov::HostLock>& lock);

// --dry-run: runs the plan through sriov::RecordingRunner, i.e. through the real run's
// last-moment checks with nothing written, and prints the plan (with `extra` merged into the
// JSON) or the refusal the real run would make, with its exit status.
int dry_run_plan(const Output& out, const sriov::Sysfs& sysfs, const std::string& command,
                 sriov::Plan& plan, const nlohmann::json& extra = nlohmann::json::object());

// Executes the plan, journaled when it has steps (an error only when the journal cannot be
// started: nothing was written then). The journal is removed at the end unless undoing failed
// too (then `sriovctl recover` can try again).
sriov::Result<sriov::ExecutionReport> execute_journaled(const Output& out, const sriov::Sysfs& sysfs,
                                                        const std::string& command_line,
                                                        sriov::Plan& plan,
                                                        sriov::StepRunner& runner);

}  // namespace tools
