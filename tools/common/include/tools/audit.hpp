#pragma once
// The audit record: every writing run that had steps to do leaves one structured record of
// what it changed, or tried and undid, in the system journal (syslog where there is none),
// so "who changed the VFs of this PF, when, and did it stick" is a journalctl query:
//   journalctl MESSAGE_ID=75730a2b67bd4d2aa8c6de2369c42cd0 SRIOV_DEVICE=0000:3b:00.0
// Fields are in sriovctl(8), AUDIT RECORD.

#include <optional>
#include <string>
#include <vector>

#include "sriov/executor.hpp"
#include "sriov/plan.hpp"
#include "sriov/sysfs.hpp"

namespace tools {

inline constexpr const char* kAuditMessageId = "75730a2b67bd4d2aa8c6de2369c42cd0";

struct AuditRecord {
  std::string tool;                  // sriovctl, vgpuctl
  std::string command_line;          // as run
  std::string outcome;               // changed, failed, undo-failed, recovered
  std::string summary;               // the plan's summary
  std::vector<std::string> steps;    // "done: <step>", "undone: <step>", ... one per step
  std::vector<std::string> devices;  // the PFs/GPUs the steps touch (their groups), once each
  std::optional<std::string> error;  // the failure, with what was undone
  size_t planned = 0, done = 0, undone = 0;
};

// The record of a run of `plan` that ended as `report`; `recovered`: the run was the roll
// back of an interrupted one (sriovctl recover, or before another command).
AuditRecord audit_record(const std::string& command_line, const sriov::Plan& plan,
                         const sriov::ExecutionReport& report, bool recovered = false);

// The journal fields, "KEY=value" (MESSAGE, PRIORITY, MESSAGE_ID, SYSLOG_IDENTIFIER, then
// SRIOV_*; SRIOV_STEP and SRIOV_DEVICE repeat); and the one-line form for syslog.
std::vector<std::string> journal_fields(const AuditRecord& record);
std::string syslog_line(const AuditRecord& record);

// Whether a run on this host is recorded: the real host (sysfs root /) unless SRIOV_AUDIT=0;
// a fixture tree (--sysfs-root) only with SRIOV_AUDIT=1.
bool audit_enabled(const sriov::Sysfs& sysfs);

// Sends the record to the journal (libsystemd's sd_journal_sendv, loaded on first use so
// that commands which write nothing do not load it) or, when there is no journal, to syslog
// (facility daemon). Returns where it went: "journal" or "syslog".
std::string send_audit(const AuditRecord& record);

}  // namespace tools
