#include "sriov/executor.hpp"

#include <fmt/format.h>

#include "sriov/wait.hpp"

namespace sriov {

std::string_view status_name(StepStatus status) {
  switch (status) {
    case StepStatus::planned: return "planned";
    case StepStatus::done: return "done";
    case StepStatus::failed: return "failed";
    case StepStatus::undone: return "undone";
    case StepStatus::undo_failed: return "undo-failed";
    case StepStatus::not_run: return "not-run";
  }
  return "not-run";
}

bool ExecutionReport::changed() const {
  for (auto s : status)
    if (s == StepStatus::done || s == StepStatus::undo_failed) return true;
  return false;
}

ExecutionReport execute(Plan& plan, StepRunner& runner,
                        const std::function<void(size_t)>& on_done) {
  ExecutionReport report;
  report.status.assign(plan.steps.size(), StepStatus::not_run);
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    auto applied = runner.apply(plan.steps[i]);
    if (applied) {
      report.status[i] = StepStatus::done;
      if (on_done) on_done(i);
      continue;
    }
    report.status[i] = StepStatus::failed;
    Error error = applied.error();
    std::vector<std::string> undone, not_undone;
    for (size_t j = i; j-- > 0;) {
      auto back = runner.undo(plan.steps[j]);
      if (back) {
        report.status[j] = StepStatus::undone;
        undone.push_back(describe(plan.steps[j]));
      } else {
        report.status[j] = StepStatus::undo_failed;
        not_undone.push_back(describe(plan.steps[j]) + ": " + back.error().message);
      }
    }
    // Sentences: what failed (the step's own message says what it put back), then what the
    // executor undid.
    std::string text = error.message;
    if (!text.empty() && text.back() != '.') text += '.';
    error.message = fmt::format("step {} of {} failed ({}): {}", i + 1, plan.steps.size(),
                                describe(plan.steps[i]), text);
    if (!undone.empty()) error.message += fmt::format(" Undone: {}.", fmt::join(undone, "; "));
    if (!not_undone.empty()) {
      error.code = Errc::rollback_incomplete;
      error.message += fmt::format(" NOT undone, still applied: {}.", fmt::join(not_undone, "; "));
    }
    report.error = std::move(error);
    break;
  }
  return report;
}

Status KernelRunner::apply(Step& step) {
  applying_ = true;
  wrote_ = false;
  auto applied = step.apply(*this);
  applying_ = false;
  return applied;
}

Status KernelRunner::begin_writing() {
  if (!applying_ || wrote_) return {};
  wrote_ = true;
  return hook_ ? hook_() : Status{};
}

Status KernelRunner::write(const std::string& path, const std::string& value) {
  if (auto ok = begin_writing(); !ok) return ok;
  return sysfs_.write(path, value, options_.write_timeout);
}

Status KernelRunner::write_file(const std::string& path, const std::optional<std::string>& content) {
  if (auto ok = begin_writing(); !ok) return ok;
  return content ? sysfs_.write_file(path, *content) : sysfs_.remove_file(path);
}

bool KernelRunner::settle(const std::function<bool()>& done) {
  return wait_until(sysfs_, done, options_.settle_timeout);
}

const VfioHolders& KernelRunner::holders() {
  if (!holders_) holders_ = VfioHolders::scan(sysfs_);
  return *holders_;
}

// The backend steps get: its first send in an apply is that step's first write. A read is not
// one: a step that reads the VFs' settings first (to know what it changes, and so what its undo
// restores) must be journaled after that read, or the journal's "started" record would lack
// the undo data and a kill during the step would leave its settings behind.
class KernelRunner::SendHook final : public LinkBackend {
 public:
  SendHook(KernelRunner& runner, LinkBackend& inner) : runner_(runner), inner_(inner) {}
  Result<VfDump> read(const std::string& ifname) override { return inner_.read(ifname); }
  Status send(const std::string& ifname, const std::vector<VfChange>& changes) override {
    if (auto ok = runner_.begin_writing(); !ok) return ok;
    return inner_.send(ifname, changes);
  }
  LinkCounters counters() const override { return inner_.counters(); }
  void count_retry() override { inner_.count_retry(); }

 private:
  KernelRunner& runner_;
  LinkBackend& inner_;
};

KernelRunner::KernelRunner(const Sysfs& sysfs, KernelOptions options, LinkBackend* link)
    : sysfs_(sysfs), options_(options), link_(link) {}
KernelRunner::~KernelRunner() = default;

Result<LinkBackend*> KernelRunner::link() {
  if (hooked_) return hooked_.get();
  if (!link_) {
    if (!sysfs_.live())
      return fail(Errc::unsupported,
                  fmt::format("VF settings go over rtnetlink to the live kernel, which a tree "
                              "under --sysfs-root ({}) does not have",
                              sysfs_.root().string()));
    owned_link_ = make_netlink_backend();
    link_ = owned_link_.get();
  }
  hooked_ = std::make_unique<SendHook>(*this, *link_);
  return hooked_.get();
}

Status RecordingRunner::apply(Step& step) {
  if (auto ok = step.check(*this); !ok) return ok;
  recorded_.push_back(step.writes());
  return {};
}

// A step's checks only read; a write reaching here is a step writing outside apply.
Status RecordingRunner::write(const std::string& path, const std::string&) {
  return fail(Errc::io, "a dry run does not write (" + path + ")", path);
}

Status RecordingRunner::write_file(const std::string& path, const std::optional<std::string>&) {
  return fail(Errc::io, "a dry run does not write (" + path + ")", path);
}

Result<LinkBackend*> RecordingRunner::link() {
  return fail(Errc::io, "a dry run sends no rtnetlink requests");
}

const VfioHolders& RecordingRunner::holders() {
  if (!holders_) holders_ = VfioHolders::scan(sysfs_);
  return *holders_;
}

}  // namespace sriov
