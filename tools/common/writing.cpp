#include "tools/writing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <ostream>

#include "mdev/step_kinds.hpp"
#include "sriov/journal.hpp"
#include "tools/audit.hpp"
#include "sriov/step_codec.hpp"

namespace tools {

sriov::KernelOptions kernel_options(const CommonOptions& options) {
  sriov::KernelOptions k;
  k.write_timeout = std::chrono::milliseconds(static_cast<long>(options.timeout_seconds * 1000));
  return k;
}

int recover_interrupted(const Output& o, const sriov::Sysfs& sysfs,
                        const sriov::KernelOptions& kernel, bool report_when_clean) {
  auto found = sriov::Journal::find(sysfs, mdev::all_step_kinds());
  if (!found) return o.error(found.error());
  if (!*found) {
    if (report_when_clean) {
      if (o.json) o.print_json(plan_json("recover", sriov::Plan{}, false, nullptr));
      else o.out << "nothing to recover: no interrupted run in /run/sriov/journal.json\n";
    }
    return 0;
  }
  auto& run = **found;
  sriov::KernelRunner runner(sysfs, kernel);
  auto report = sriov::recover(sysfs, run, runner);
  run.plan.summary = fmt::format("recover the run of pid {} ('{}', started {}; {} of {} steps had "
                                 "completed)",
                                 run.pid, run.command, run.started, run.done,
                                 run.plan.steps.size());
  // Audited when it undid something (or failed to): a run that had completed leaves the host
  // as it was recorded already.
  bool acted = report.error || std::any_of(report.status.begin(), report.status.end(), [](auto s) {
    return s == sriov::StepStatus::undone || s == sriov::StepStatus::undo_failed;
  });
  if (acted && audit_enabled(sysfs))
    send_audit(audit_record(report_when_clean ? o.program + " recover"
                                              : o.program + " (rollback before its command)",
                            run.plan, report, true));
  if (report_when_clean && o.json) {
    o.print_json(plan_json("recover", run.plan, false, &report));
  } else {
    // Recovery before another command: said on stderr so the command's output stays its own.
    std::ostream& s = report_when_clean ? o.out : o.err;
    s << o.program << ": " << run.plan.summary << "\n";
    for (size_t i = 0; i < run.plan.steps.size(); ++i)
      if (report.status[i] == sriov::StepStatus::undone ||
          report.status[i] == sriov::StepStatus::undo_failed)
        s << "  " << sriov::status_name(report.status[i]) << ": "
          << sriov::describe(run.plan.steps[i]) << "\n";
    if (run.done >= run.plan.steps.size()) s << "  it had completed; nothing to undo\n";
  }
  if (report.error) return o.error_line(*report.error);
  return 0;
}

int dry_run_plan(const Output& o, const sriov::Sysfs& sysfs, const std::string& command,
            sriov::Plan& plan, const nlohmann::json& extra) {
  sriov::RecordingRunner recorder(sysfs);
  auto report = sriov::execute(plan, recorder);
  if (report.error) return o.error(*report.error);
  if (o.json) {
    auto j = plan_json(command, plan, true, nullptr);
    j.update(extra);
    o.print_json(j);
  } else {
    print_plan_text(o, plan);
    o.out << "dry run: nothing was written\n";
  }
  return 0;
}

std::string command_line(const char* program, int argc, const char* const* argv) {
  std::string line = program;
  for (int i = 1; i < argc; ++i) line += std::string(" ") + argv[i];
  return line;
}

int take_host_lock(const Output& out, const sriov::Sysfs& sysfs, const CommonOptions& options,
                   const std::string& command_line, std::optional<sriov::HostLock>& lock) {
  auto acquire = [&](double seconds) {
    return sriov::HostLock::acquire(
        sysfs, std::chrono::milliseconds(static_cast<long>(seconds * 1000)), command_line);
  };
  // On a terminal, a wait for another writer says whom it waits for: the error of a try that
  // does not wait names the holder.
  if (out.progress && out.progress->enabled()) {
    if (auto now = acquire(0)) {
      lock.emplace(std::move(*now));
      return 0;
    } else {
      out.show_progress(fmt::format("waiting up to {:g} s for the host lock: {}",
                                    options.lock_timeout_seconds, now.error().message));
    }
  }
  auto acquired = acquire(options.lock_timeout_seconds);
  out.clear_progress();
  if (!acquired) return out.error(acquired.error());
  lock.emplace(std::move(*acquired));
  return 0;
}

int begin_write(const Output& out, const sriov::Sysfs& sysfs, const CommonOptions& options,
                const std::string& command_line, std::optional<sriov::HostLock>& lock) {
  if (int status = take_host_lock(out, sysfs, options, command_line, lock); status != 0)
    return status;
  return recover_interrupted(out, sysfs, kernel_options(options), false);
}

sriov::Result<sriov::ExecutionReport> execute_journaled(const Output& o, const sriov::Sysfs& sysfs,
                                                        const std::string& command_line,
                                                        sriov::Plan& plan,
                                                        sriov::StepRunner& runner) {
  if (plan.empty()) return sriov::execute(plan, runner);
  auto journal = sriov::Journal::begin(sysfs, command_line, plan);
  if (!journal) return tl::unexpected(journal.error());
  bool journal_ok = true;
  size_t next = 0;  // the step that runs next: steps run in order, each after the last's record
  runner.before_first_write([&]() -> sriov::Status {
    if (auto ok = journal->step_started(next, plan); !ok)
      return sriov::fail(ok.error().code, "the journal could not record the step before its "
                                          "first write (" + ok.error().message + "); nothing "
                                          "of it was written");
    return {};
  });
  auto report = sriov::execute(plan, runner, [&](size_t i) {
    next = i + 1;
    if (auto ok = journal->step_done(i, plan); !ok && journal_ok) {
      journal_ok = false;
      o.warn("the journal could not be updated (" + ok.error().message +
             "): if this run is interrupted, recover may undo too little");
    }
  });
  // Kept only when undoing failed too, so that 'sriovctl recover' can try again.
  if (!report.error || report.error->code != sriov::Errc::rollback_incomplete) journal->finish();
  if (audit_enabled(sysfs)) send_audit(audit_record(command_line, plan, report));
  return report;
}

}  // namespace tools
