#pragma once
// Runs a Plan. Each step is applied through a StepRunner (the kernel in production, a
// recording runner for --dry-run, a fake in tests); when one fails, the completed ones are
// undone in reverse order and the report says exactly what was done, what failed and what was
// undone.

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/holders.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/plan.hpp"
#include "sriov/sysfs.hpp"

namespace sriov {

class StepRunner {
 public:
  virtual ~StepRunner() = default;
  // May record what it observed in the step (e.g. the driver actually bound) for undo.
  virtual Status apply(Step& step) = 0;
  virtual Status undo(const Step& step) = 0;
  // Runs before the first write of each step's apply; its error refuses the write (the journal
  // records that the step started, and a step may not write before that is on disk). Runners
  // that write nothing ignore it.
  virtual void before_first_write(std::function<Status()> hook) { (void)hook; }
};

enum class StepStatus { planned, done, failed, undone, undo_failed, not_run };
std::string_view status_name(StepStatus status);

struct ExecutionReport {
  std::vector<StepStatus> status;  // one per plan step
  std::optional<Error> error;      // the failure, with what was undone in its message
  std::vector<std::string> warnings;
  bool changed() const;            // some step is done (and stays done)
  bool ok() const { return !error; }
};

// on_done(i) runs after step i completed (the journal records progress there).
ExecutionReport execute(Plan& plan, StepRunner& runner,
                        const std::function<void(size_t)>& on_done = {});

struct KernelOptions {
  std::chrono::milliseconds write_timeout = kDefaultWriteTimeout;
  std::chrono::milliseconds settle_timeout{15000};  // wait for VFs / netdevs / probe results
};

// The real runner: each step's writes go to sysfs under the watchdog, its waits are bounded
// and event-driven, VF settings go over rtnetlink.
class KernelRunner : public StepRunner, public StepContext {
 public:
  // link: the rtnetlink backend for VF settings (made on first use when null).
  KernelRunner(const Sysfs& sysfs, KernelOptions options, LinkBackend* link = nullptr);
  ~KernelRunner() override;
  Status apply(Step& step) override;
  Status undo(const Step& step) override { return step.undo(*this); }
  void before_first_write(std::function<Status()> hook) override { hook_ = std::move(hook); }
  const std::vector<std::string>& warnings() const { return warnings_; }

  const Sysfs& sysfs() const override { return sysfs_; }
  Status write(const std::string& path, const std::string& value) override;
  Status write_file(const std::string& path, const std::optional<std::string>& content) override;
  bool settle(const std::function<bool()>& done) override;
  std::chrono::milliseconds settle_timeout() const override { return options_.settle_timeout; }
  Result<LinkBackend*> link() override;
  // Scanned once per runner at the first step that asks: the last check before unbinding a
  // VF or removing a mediated device. A process that opens a device later in the run makes that write
  // block until the watchdog (--timeout), and the run is undone. Disabling VFs scans afresh.
  const VfioHolders& holders() override;
  void warn(std::string warning) override { warnings_.push_back(std::move(warning)); }

 private:
  class SendHook;
  // The hook, once per apply, before its first write (a sysfs or file write, or an rtnetlink
  // send; reads are not writes).
  Status begin_writing();
  const Sysfs& sysfs_;
  KernelOptions options_;
  std::function<Status()> hook_;
  bool applying_ = false, wrote_ = false;
  std::vector<std::string> warnings_;
  LinkBackend* link_ = nullptr;
  std::unique_ptr<LinkBackend> owned_link_;
  std::unique_ptr<LinkBackend> hooked_;  // link_, with begin_writing before each send
  std::optional<VfioHolders> holders_;
};

// --dry-run: runs the plan's steps through the same last-moment checks as the kernel runner
// (a refusal is the same error, with the same exit status) and records the writes each step
// declares instead of performing them.
class RecordingRunner : public StepRunner, public StepContext {
 public:
  explicit RecordingRunner(const Sysfs& sysfs) : sysfs_(sysfs) {}
  Status apply(Step& step) override;
  Status undo(const Step&) override { return {}; }  // nothing was written
  const std::vector<std::vector<Write>>& recorded() const { return recorded_; }

  const Sysfs& sysfs() const override { return sysfs_; }
  Status write(const std::string& path, const std::string& value) override;
  Status write_file(const std::string& path, const std::optional<std::string>& content) override;
  bool settle(const std::function<bool()>&) override { return true; }
  std::chrono::milliseconds settle_timeout() const override { return {}; }
  Result<LinkBackend*> link() override;
  const VfioHolders& holders() override;
  void warn(std::string) override {}

 private:
  const Sysfs& sysfs_;
  std::vector<std::vector<Write>> recorded_;  // per applied step
  std::optional<VfioHolders> holders_;
};

}  // namespace sriov
