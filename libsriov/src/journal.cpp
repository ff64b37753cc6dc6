#include "sriov/journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <fmt/chrono.h>
#include <fmt/compile.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>
#include <sstream>
#include <stdexcept>

#include "sriov/host_lock.hpp"
#include "sriov/json_text.hpp"
#include "sriov/step_codec.hpp"

namespace sriov {
namespace {

using nlohmann::json;

const std::string kJournal = Journal::path();

// One step as a line of JSON (its kind's record).
std::string step_text(const Step& step) {
  std::string out;
  step.encode(out);
  return out;
}

// Every number the journal holds is a count, index or id: a fraction or a negative number
// means the file is not one this library wrote, and converting it (4e242 into an int) would
// be undefined, so it is refused before any field is read.
void check_numbers(const json& value) {
  if (value.is_number_float() || (value.is_number_integer() && !value.is_number_unsigned()))
    throw std::invalid_argument("a number that is not a whole non-negative one: " + value.dump());
  if (value.is_structured())
    for (const auto& item : value) check_numbers(item);
}

}  // namespace

Result<Journal> Journal::begin(const Sysfs& sysfs, const std::string& command, const Plan& plan) {
  std::time_t now = std::time(nullptr);
  json header = {{"version", 3},
                 {"pid", ::getpid()},
                 {"command", command},
                 {"started", fmt::format("{:%Y-%m-%d %H:%M:%S}", fmt::localtime(now))},
                 {"summary", plan.summary}};
  // {header fields, "done": 0, "steps": [one step per line]}
  std::string text = dump_utf8(header);
  text.pop_back();
  text += ",\"done\":0,\"steps\":[\n";
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    if (i) text += ",\n";
    text += step_text(plan.steps[i]);
  }
  text += "\n]}\n";
  if (auto ok = sysfs.write_file(kJournal, text); !ok) return tl::unexpected(ok.error());
  Journal journal(sysfs);
  auto path = sysfs.real(kJournal);
  if (!path) return tl::unexpected(path.error());
  journal.fd_ = ::open(path->c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (journal.fd_ < 0)
    return fail(Errc::io, fmt::format("opening {} to append: {}", kJournal, std::strerror(errno)),
                kJournal, errno);
  return journal;
}

Journal::~Journal() {
  if (fd_ >= 0) ::close(fd_);
}

Status Journal::step_started(size_t index, const Plan& plan) {
  if (index >= plan.steps.size()) return {};
  std::string record;
  fmt::format_to(std::back_inserter(record), FMT_COMPILE(R"({{"started":{},"step":)"), index);
  record += step_text(plan.steps[index]);
  record += "}\n";
  return append(record);
}

// Only the step that completed is written again: it may have recorded what it observed.
Status Journal::step_done(size_t index, const Plan& plan) {
  if (index >= plan.steps.size()) return {};
  std::string record;
  fmt::format_to(std::back_inserter(record), FMT_COMPILE(R"({{"done":{},"index":{},"step":)"),
                 index + 1, index);
  record += step_text(plan.steps[index]);
  record += "}\n";
  return append(record);
}

Status Journal::append(const std::string& record) {
  // One write(2) of the whole record: a kill lands before or after it, not inside.
  size_t off = 0;
  while (off < record.size()) {
    ssize_t n = ::write(fd_, record.data() + off, record.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      return fail(Errc::io, fmt::format("appending to {}: {}", kJournal,
                                        n < 0 ? std::strerror(errno) : "nothing written"),
                  kJournal, n < 0 ? errno : EIO);
    off += static_cast<size_t>(n);
  }
  if (::fdatasync(fd_) != 0 && errno != EINVAL)
    return fail(Errc::io, fmt::format("syncing {}: {}", kJournal, std::strerror(errno)), kJournal,
                errno);
  return {};
}

Status Journal::finish() { return sysfs_->remove_file(kJournal); }

Status Journal::discard(const Sysfs& sysfs) { return sysfs.remove_file(kJournal); }

Result<std::optional<InterruptedRun>> Journal::find(const Sysfs& sysfs,
                                                    const StepCodecs& kinds) {
  auto text = sysfs.read(kJournal, kMaxStateFileBytes);
  if (!text && text.error().code == Errc::not_found) return std::optional<InterruptedRun>{};
  if (!text)  // a directory or a FIFO there: no writer could journal, so none may run
    return fail(Errc::io,
                fmt::format("the journal cannot be read: {}. No writer runs until it is a "
                            "journal or gone; check the host by hand",
                            text.error().message),
                kJournal, text.error().sys_errno);
  try {
    std::istringstream in(*text);
    json j;
    in >> j;  // the header; the appended records follow it
    check_numbers(j);
    InterruptedRun run;
    run.pid = j.at("pid");
    run.command = j.at("command");
    run.started = j.at("started");
    run.plan.summary = j.value("summary", "");
    run.done = j.at("done");
    bool records_starts = j.value("version", 1) >= 3;
    std::optional<size_t> last_started;
    for (const auto& s : j.at("steps")) {
      auto step = decode_step(kinds, s);
      if (!step) return tl::unexpected(step.error());
      run.plan.steps.push_back(*step);
    }
    for (;;) {
      in >> std::ws;
      if (in.peek() == std::char_traits<char>::eof()) break;
      json record;
      try {
        in >> record;
      } catch (const json::exception&) {
        break;  // a torn last record: the step it would have recorded counts as not done
      }
      check_numbers(record);
      bool started = record.contains("started");
      size_t index = record.at(started ? "started" : "index");
      if (index >= run.plan.steps.size())
        return fail(Errc::io, fmt::format("{}: a record for step {} of {}", kJournal, index + 1,
                                          run.plan.steps.size()),
                    kJournal);
      auto step = decode_step(kinds, record.at("step"));
      if (!step) return tl::unexpected(step.error());
      run.plan.steps[index] = *step;
      if (started) last_started = index;
      else run.done = std::max<size_t>(run.done, record.at("done"));
    }
    run.next_started = !records_starts || (last_started && *last_started >= run.done);
    return std::optional<InterruptedRun>{std::move(run)};
  } catch (const std::exception& e) {
    return fail(Errc::io,
                fmt::format("{} cannot be read ({}): move it away and check the host by hand",
                            kJournal, e.what()),
                kJournal);
  }
}

ExecutionReport recover(const Sysfs& sysfs, InterruptedRun& run, StepRunner& runner) {
  ExecutionReport report;
  size_t n = run.plan.steps.size();
  report.status.assign(n, StepStatus::not_run);
  for (size_t i = 0; i < std::min(run.done, n); ++i) report.status[i] = StepStatus::done;
  if (run.done >= n) {  // it had finished; only the journal was left
    Journal::discard(sysfs);
    return report;
  }
  std::vector<std::string> failed;
  for (size_t i = std::min(run.done + (run.next_started ? 1 : 0), n); i-- > 0;) {
    auto back = runner.undo(run.plan.steps[i]);
    if (back) {
      report.status[i] = StepStatus::undone;
    } else {
      report.status[i] = StepStatus::undo_failed;
      failed.push_back(describe(run.plan.steps[i]) + ": " + back.error().message);
    }
  }
  if (!failed.empty()) {
    report.error = Error{Errc::rollback_incomplete,
                         fmt::format("recovering the run of pid {} ('{}', started {}): could not "
                                     "undo: {}. The journal {} is kept",
                                     run.pid, run.command, run.started, fmt::join(failed, "; "),
                                     kJournal),
                         kJournal, 0};
    return report;
  }
  Journal::discard(sysfs);
  return report;
}

}  // namespace sriov
