#include "tools/fault_injection.hpp"

#include <signal.h>

#include <cstdlib>
#include <string_view>

#include "sriov/host_lock.hpp"
#include "sriov/text.hpp"

namespace tools {
namespace {

enum class Fault { fail, kill_before, kill_started, kill_after };

class FaultRunner : public sriov::StepRunner {
 public:
  FaultRunner(std::unique_ptr<sriov::StepRunner> inner, size_t step, Fault fault)
      : inner_(std::move(inner)), step_(step), fault_(fault) {}

  sriov::Status apply(sriov::Step& step) override {
    bool here = ++count_ == step_;
    if (here && fault_ == Fault::kill_before) ::raise(SIGKILL);
    if (here && fault_ == Fault::fail)
      return sriov::fail(sriov::Errc::kernel,
                         "injected failure before the step's first write (SRIOV_FAULT)");
    auto applied = inner_->apply(step);
    if (here && fault_ == Fault::kill_after) ::raise(SIGKILL);
    return applied;
  }
  sriov::Status undo(const sriov::Step& step) override { return inner_->undo(step); }
  void before_first_write(std::function<sriov::Status()> hook) override {
    inner_->before_first_write([this, hook = std::move(hook)]() -> sriov::Status {
      auto ok = hook ? hook() : sriov::Status{};
      if (count_ == step_ && fault_ == Fault::kill_started) ::raise(SIGKILL);
      return ok;
    });
  }

 private:
  std::unique_ptr<sriov::StepRunner> inner_;
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
         "' is not K:fail, K:kill-before, K:kill-started or K:kill-after: no fault injected");
    return runner;
  }
  return std::make_unique<FaultRunner>(std::move(runner), step, fault);
}

}  // namespace tools
