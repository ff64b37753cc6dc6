#pragma once
// The apply journal: <root>/run/sriov/journal.json records a plan while it runs (its steps
// with what each observed, and how many completed), so that a run killed half-way (kill -9,
// OOM kill, a crash of the tool, a systemd start timeout) is found by the next one and rolled
// back. /run is a tmpfs: after a reboot there is neither a journal nor VFs to roll back.

#include <optional>
#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/executor.hpp"
#include "sriov/plan.hpp"
#include "sriov/sysfs.hpp"

namespace sriov {

struct InterruptedRun {
  int pid = 0;
  std::string command, started;
  Plan plan;
  size_t done = 0;  // steps that completed; step `done` may have been half-way
};

class Journal {
 public:
  // Records the plan before its first step runs.
  static Result<Journal> begin(const Sysfs& sysfs, const std::string& command, const Plan& plan);
  // After a step completed (the step carries what it observed, e.g. the driver it replaced).
  Status step_done(size_t index, const Plan& plan);
  // The run ended (done, or failed and undone): nothing is left to recover.
  Status finish();

  static Result<std::optional<InterruptedRun>> find(const Sysfs& sysfs);
  static Status discard(const Sysfs& sysfs);

 private:
  Journal(const Sysfs& sysfs, std::string header) : sysfs_(&sysfs), header_(std::move(header)) {}
  Status write(size_t done);
  const Sysfs* sysfs_;
  std::string header_;               // JSON object of version, pid, command, started, summary
  std::vector<std::string> steps_;  // each step's JSON, as of its last write
};

// Undoes an interrupted run's steps (the half-way one included) in reverse order; undo is
// written to be harmless for a step that had not happened. Removes the journal when done.
ExecutionReport recover(const Sysfs& sysfs, InterruptedRun& run, StepRunner& runner);

}  // namespace sriov
