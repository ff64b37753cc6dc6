#pragma once
// Runs a Plan. Each step is applied through a StepRunner (the kernel in production, a fake in
// tests); when one fails, the completed ones are undone in reverse order and the report says
// exactly what was done, what failed and what was undone.

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

// The real runner: sysfs writes under a watchdog, read back, bounded event-driven waits.
class KernelRunner : public StepRunner {
 public:
  // link: the rtnetlink backend for VF settings (made on first use when null).
  KernelRunner(const Sysfs& sysfs, KernelOptions options, LinkBackend* link = nullptr)
      : sysfs_(sysfs), options_(options), link_(link) {}
  Status apply(Step& step) override;
  Status undo(const Step& step) override;
  const std::vector<std::string>& warnings() const { return warnings_; }

 private:
  Status apply_step(SetAutoprobe& step);
  Status apply_step(SetNumVfs& step);
  Status apply_step(BindDriver& step);
  Status apply_step(CreateMdev& step);
  Status apply_step(RemoveMdev& step);
  Status apply_step(SetVgpuType& step);
  Status apply_step(WriteConfigFile& step);
  Status apply_step(SetVfSettings& step);
  Result<LinkBackend*> link();
  // Who holds VFIO files open, scanned once per runner at the first step that asks: the last
  // check before unbinding a VF or removing a vGPU. A process that opens a device later in
  // the run makes that write block until the watchdog (--timeout), and the run is undone.
  // Disabling VFs scans afresh (write_numvfs).
  const VfioHolders& vfio_holders();
  Status create_mdev(const std::string& type_path, const std::string& uuid);
  Status remove_mdev(const std::string& uuid);
  Status write_vgpu_type(const std::string& vf_path, unsigned from, unsigned to);
  Status write_config(const std::string& path, const std::optional<std::string>& content);
  Status write_numvfs(const SetNumVfs& step, unsigned value);
  void remember_vf_drivers(SetNumVfs& step);
  Status restore_vf_drivers(const SetNumVfs& step);
  Status move_driver(const PciAddress& vf, const std::optional<std::string>& from,
                     const std::optional<std::string>& override_value,
                     const std::optional<std::string>& to);

  const Sysfs& sysfs_;
  KernelOptions options_;
  std::vector<std::string> warnings_;
  LinkBackend* link_ = nullptr;
  std::unique_ptr<LinkBackend> owned_link_;
  std::optional<VfioHolders> vfio_holders_;
};

}  // namespace sriov
