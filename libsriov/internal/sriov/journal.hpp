#pragma once
// The apply journal: <root>/run/sriov/journal.json records a plan while it runs (its steps
// with what each observed, and how many completed), so that a run killed half-way (kill -9,
// OOM kill, a crash of the tool, a systemd start timeout) is found by the next one and rolled
// back. /run is a tmpfs: after a reboot there is neither a journal nor VFs to roll back.
//
// Format (version 3): the header object {version, pid, command, started, summary, "done":0,
// steps}, written whole before the first step (atomically: a temporary file renamed), so every
// step's undo data is on disk before anything is written. Then records are appended, each
// synced before the run goes on:
//   {"started":I,"step":{...}}          before step I's first write (the step as it is then)
//   {"done":N,"index":I,"step":{...}}   after step I completed (with what it observed)
// Appending keeps a step's cost independent of the plan's length (a whole rewrite per step
// made a 256-step run twice as slow). A reader takes the header, then each complete record in
// order; a torn last record (a crash inside write(2)) is ignored, which is safe either way: a
// torn "started" was never synced, so the step had not written; a torn "done" leaves the step
// started, so it is undone. The step after the last "done" is undone only when it had started:
// a step that failed before writing anything needs no undo, and its undo (which may fail, a
// definition to delete that was never written, say) must not wedge every later writer.
// Version 1 and 2 files (no "started" records) undo that step always, as they did.

#include <optional>
#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/executor.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/plan.hpp"
#include "sriov/sysfs.hpp"

namespace sriov {

struct StepCodec;  // step_codec.hpp
using StepCodecs = std::vector<StepCodec>;

struct InterruptedRun {
  int pid = 0;
  std::string command, started;
  Plan plan;
  size_t done = 0;  // steps that completed; step `done` may have been half-way
  bool next_started = true;  // step `done` had begun writing (always so before version 3)
};

class Journal {
 public:
  Journal(Journal&& other) noexcept : sysfs_(other.sysfs_), fd_(other.fd_) { other.fd_ = -1; }
  Journal& operator=(Journal&&) = delete;
  Journal(const Journal&) = delete;
  ~Journal();

  // Records the plan before its first step runs.
  static Result<Journal> begin(const Sysfs& sysfs, const std::string& command, const Plan& plan);
  // Before a step's first write: the step may not write until this is on disk.
  Status step_started(size_t index, const Plan& plan);
  // After a step completed (the step carries what it observed, e.g. the driver it replaced).
  Status step_done(size_t index, const Plan& plan);
  // The run ended (done, or failed and undone): nothing is left to recover.
  Status finish();

  // kinds: every step kind a record may hold (nic_step_kinds() and the other libraries').
  static Result<std::optional<InterruptedRun>> find(const Sysfs& sysfs, const StepCodecs& kinds);
  static Status discard(const Sysfs& sysfs);
  // Where it lives, as a host path under the sysfs root.
  static std::string path() { return std::string(kRunDir) + "/journal.json"; }

 private:
  explicit Journal(const Sysfs& sysfs) : sysfs_(&sysfs) {}
  Status append(const std::string& record);
  const Sysfs* sysfs_;
  int fd_ = -1;  // open for appending records
};

// Undoes an interrupted run's steps (the half-way one included when it had started writing) in
// reverse order; undo is written to be harmless for a step that had not happened. Removes the
// journal when done.
ExecutionReport recover(const Sysfs& sysfs, InterruptedRun& run, StepRunner& runner);

}  // namespace sriov
