#include "tools/fault_injection.hpp"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string_view>

#include "sriov/host_lock.hpp"
#include "sriov/journal.hpp"
#include "sriov/text.hpp"

namespace tools {
namespace {

enum class Fault { fail, kill_before, kill_started, kill_after, torn_started, torn_done };

// Makes the journal's next append a torn record written by the kernel itself: the file-size
// limit is set a few bytes past the journal's end, so the append's write(2) comes back short
// and the append's next write(2) gets SIGXFSZ, which ends the process mid-record (no core).
// Sysfs attributes do not count against the limit, and no other file a step writes is as
// large as the journal is by then (its header holds the whole plan).
void tear_next_journal_append(const sriov::Sysfs& sysfs) {
  auto journal = sysfs.real(sriov::Journal::path());
  struct stat st {};
  if (!journal || ::stat(journal->c_str(), &st) != 0) ::raise(SIGKILL);  // no journal to tear
  rlimit no_core{0, 0}, size{};
  ::setrlimit(RLIMIT_CORE, &no_core);
  ::getrlimit(RLIMIT_FSIZE, &size);
  size.rlim_cur = static_cast<rlim_t>(st.st_size) + 16;  // inside any record's first field
  ::setrlimit(RLIMIT_FSIZE, &size);
  ::signal(SIGXFSZ, SIG_DFL);
}

class FaultRunner : public sriov::StepRunner {
 public:
  FaultRunner(std::unique_ptr<sriov::StepRunner> inner, const sriov::Sysfs& sysfs, size_t step,
              Fault fault)
      : inner_(std::move(inner)), sysfs_(sysfs), step_(step), fault_(fault) {}

  sriov::Status apply(sriov::Step& step) override {
    bool here = ++count_ == step_;
    if (here && fault_ == Fault::kill_before) ::raise(SIGKILL);
    if (here && fault_ == Fault::fail)
      return sriov::fail(sriov::Errc::kernel,
                         "injected failure before the step's first write (SRIOV_FAULT)");
    auto applied = inner_->apply(step);
    if (here && fault_ == Fault::kill_after) ::raise(SIGKILL);
    if (here && fault_ == Fault::torn_done && applied) tear_next_journal_append(sysfs_);
    return applied;
  }
  sriov::Status undo(const sriov::Step& step) override { return inner_->undo(step); }
  void before_first_write(std::function<sriov::Status()> hook) override {
    inner_->before_first_write([this, hook = std::move(hook)]() -> sriov::Status {
      bool here = count_ == step_;
      if (here && fault_ == Fault::torn_started) tear_next_journal_append(sysfs_);
      auto ok = hook ? hook() : sriov::Status{};
      if (here && (fault_ == Fault::kill_started || fault_ == Fault::torn_started))
        ::raise(SIGKILL);  // torn_started: the record was not torn (no journal to write)
      return ok;
    });
  }

 private:
  std::unique_ptr<sriov::StepRunner> inner_;
  const sriov::Sysfs& sysfs_;
  size_t step_, count_ = 0;
  Fault fault_;
};

bool parse_fault(std::string_view text, size_t& step, Fault& fault) {
  auto colon = text.find(':');
  if (colon == std::string_view::npos) return false;
  auto k = sriov::parse_decimal(text.substr(0, colon), 1 << 20);
  auto what = text.substr(colon + 1);
  if (!k || *k == 0) return false;
  step = *k;
  if (what == "fail") fault = Fault::fail;
  else if (what == "kill-before") fault = Fault::kill_before;
  else if (what == "kill-started") fault = Fault::kill_started;
  else if (what == "kill-after") fault = Fault::kill_after;
  else if (what == "kill-torn-started") fault = Fault::torn_started;
  else if (what == "kill-torn-done") fault = Fault::torn_done;
  else return false;
  return true;
}

}  // namespace

std::unique_ptr<sriov::StepRunner> with_fault_injection(
    std::unique_ptr<sriov::StepRunner> runner, const sriov::Sysfs& sysfs,
    const std::function<void(const std::string&)>& warn) {
  const char* env = std::getenv("SRIOV_FAULT");
  if (!env || !*env) return runner;
  std::string armed = std::string(sriov::kRunDir) + "/fault-injection-armed";
  if (!sysfs.exists(armed)) {
    warn("SRIOV_FAULT is set but " + armed + " does not exist: no fault injected");
    return runner;
  }
  size_t step = 0;
  Fault fault = Fault::fail;
  if (!parse_fault(env, step, fault)) {
    warn("SRIOV_FAULT='" + sriov::escape(env, true) +
         "' is not K:fail, K:kill-before, K:kill-started, K:kill-after, K:kill-torn-started or "
         "K:kill-torn-done: no fault injected");
    return runner;
  }
  return std::make_unique<FaultRunner>(std::move(runner), sysfs, step, fault);
}

}  // namespace tools
