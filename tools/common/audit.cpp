#include "tools/audit.hpp"

#include <dlfcn.h>
#include <sys/uio.h>
#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string_view>

namespace tools {
namespace {

// Journal priorities (syslog's numbers): a change is a notice, a failure an error.
int priority_of(const AuditRecord& r) { return r.outcome == "changed" ? LOG_NOTICE : LOG_ERR; }

std::string outcome_of(const sriov::ExecutionReport& report, bool recovered) {
  if (report.error && report.error->code == sriov::Errc::rollback_incomplete) return "undo-failed";
  if (report.error) return "failed";
  return recovered ? "recovered" : "changed";
}

std::string message_of(const AuditRecord& r) {
  std::string m = r.tool + ": " + r.summary + ": ";
  if (r.outcome == "changed" || r.outcome == "recovered")
    m += r.outcome == "changed"
             ? std::to_string(r.done) + " of " + std::to_string(r.planned) + " steps done"
             : std::to_string(r.undone) + " steps of an interrupted run undone";
  else
    m += (r.outcome == "failed" ? "failed, " : "failed and undoing failed too, ") +
         std::to_string(r.undone) + " steps undone" + (r.error ? ": " + *r.error : "");
  return m;
}

// A journal field value is one line in the "KEY=value" form; the native protocol carries
// newlines too, but a record that reads the same in syslog is simpler to grep.
std::string one_line(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  return s;
}

using SendV = int (*)(const struct iovec*, int);
constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// sd_journal_sendv from libsystemd.so.0, or null where it is not installed.
SendV journal_sendv() {
  static SendV send = [] {
    void* lib = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
    return lib ? reinterpret_cast<SendV>(dlsym(lib, "sd_journal_sendv")) : nullptr;
  }();
  return send;
}

}  // namespace

AuditRecord audit_record(const std::string& command_line, const sriov::Plan& plan,
                         const sriov::ExecutionReport& report, bool recovered) {
  AuditRecord r;
  std::string_view first = std::string_view(command_line).substr(0, command_line.find(' '));
  r.tool = std::string(first.substr(first.rfind('/') + 1));
  r.command_line = command_line;
  r.summary = plan.summary.empty() ? "run" : plan.summary;
  r.outcome = outcome_of(report, recovered);
  r.planned = plan.steps.size();
  for (size_t i = 0; i < plan.steps.size() && i < report.status.size(); ++i) {
    auto status = report.status[i];
    if (status == sriov::StepStatus::done) ++r.done;
    if (status == sriov::StepStatus::undone) ++r.undone;
    r.steps.push_back(std::string(sriov::status_name(status)) + ": " +
                      one_line(sriov::describe(plan.steps[i])));
    // The group names the PF or GPU as "0000:3b:00.0 (ens1f0)": the address alone is what a
    // journalctl match (SRIOV_DEVICE=0000:3b:00.0) can name exactly.
    std::string device = plan.steps[i].group();
    device = device.substr(0, device.find(' '));
    if (!device.empty() && std::find(r.devices.begin(), r.devices.end(), device) == r.devices.end())
      r.devices.push_back(device);
  }
  if (report.error) r.error = one_line(report.error->message);
  return r;
}

std::vector<std::string> journal_fields(const AuditRecord& r) {
  std::vector<std::string> f = {
      "MESSAGE=" + one_line(message_of(r)),
      "PRIORITY=" + std::to_string(priority_of(r)),
      std::string("MESSAGE_ID=") + kAuditMessageId,
      "SYSLOG_IDENTIFIER=" + r.tool,
      "SRIOV_COMMAND=" + one_line(r.command_line),
      "SRIOV_OUTCOME=" + r.outcome,
      "SRIOV_STEPS_PLANNED=" + std::to_string(r.planned),
      "SRIOV_STEPS_DONE=" + std::to_string(r.done),
      "SRIOV_STEPS_UNDONE=" + std::to_string(r.undone),
  };
  if (r.error) f.push_back("SRIOV_ERROR=" + *r.error);
  for (const auto& d : r.devices) f.push_back("SRIOV_DEVICE=" + d);
  for (const auto& s : r.steps) f.push_back("SRIOV_STEP=" + s);
  if (const char* sudo = std::getenv("SUDO_USER"); sudo && *sudo)
    f.push_back("SRIOV_SUDO_USER=" + one_line(sudo));
  return f;
}

std::string syslog_line(const AuditRecord& r) {
  std::string line = one_line(message_of(r)) + " [outcome=" + r.outcome + " command=\"" +
                     one_line(r.command_line) + "\"";
  for (const auto& d : r.devices) line += " device=" + d;
  line += "]";
  for (const auto& s : r.steps) line += "; " + s;
  return line;
}

bool audit_enabled(const sriov::Sysfs& sysfs) {
  const char* env = std::getenv("SRIOV_AUDIT");
  if (env && std::string_view(env) == "0") return false;
  if (env && std::string_view(env) == "1") return true;
  return sysfs.root().empty() || sysfs.root() == "/";
}

std::string send_audit(const AuditRecord& record) {
  // sd_journal_sendv returns success without a journal (ENOENT is "fail silently"), so its
  // socket is looked for first.
  SendV send = ::access(kJournalSocket, W_OK) == 0 ? journal_sendv() : nullptr;
  if (send) {
    auto fields = journal_fields(record);
    std::vector<struct iovec> iov;
    iov.reserve(fields.size());
    for (auto& f : fields) iov.push_back({f.data(), f.size()});
    if (send(iov.data(), static_cast<int>(iov.size())) >= 0) return "journal";
  }
  openlog(record.tool.c_str(), LOG_PID, LOG_DAEMON);
  syslog(priority_of(record), "%s", syslog_line(record).c_str());
  closelog();
  return "syslog";
}

}  // namespace tools
