// Intel xe SR-IOV GPUs (mainline 6.19+): VFs are enabled through sriov_numvfs like a NIC's
// and tuned per VF under <PF>/sriov_admin/vfN/profile/ (exec_quantum_ms, preempt_timeout_us,
// sched_priority; vram_quota in bytes from 7.0). vgpuctl lists them; it does not write the
// profile knobs (no kernel to prove the writes against yet).
#include <fmt/format.h>

#include <filesystem>

#include "../text.hpp"
#include "mdev/handler.hpp"

namespace mdev {
namespace {

using sriov::join_path;

class XeHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "intel-xe"; }
  std::string_view summary() const override {
    return "Intel xe SR-IOV GPU (VFs with sriov_admin profiles; listed only)";
  }
  std::vector<Gpu> discover(const sriov::Sysfs& sysfs,
                            const std::vector<PciFunction>& functions) const override {
    std::vector<Gpu> gpus;
    for (const auto& f : functions) {
      std::string admin = join_path(f.path, "sriov_admin");
      if (!sysfs.is_dir(admin)) continue;
      gpus.push_back(make_gpu(sysfs, f, admin));
    }
    return gpus;
  }

 private:
  Gpu make_gpu(const sriov::Sysfs& sysfs, const PciFunction& f, const std::string& admin) const {
    Gpu gpu;
    gpu.id = f.address.str();
    gpu.address = f.address;
    gpu.handler = std::string(name());
    gpu.backend = Backend::listing;
    gpu.device_path = f.path;
    gpu.driver = f.driver;
    gpu.numa_node = f.numa_node;
    gpu.vendor_id = f.vendor_id;
    gpu.device_id = f.device_id;
    // A read that timed out (the PF's device lock is held) is said, not taken as 0 VFs.
    auto read_numvfs = sysfs.read_int(join_path(f.path, "sriov_numvfs"));
    if (!read_numvfs && read_numvfs.error().code == sriov::Errc::timeout)
      gpu.notes.push_back(read_numvfs.error().message + "; its VFs are not listed");
    long long numvfs = read_numvfs.value_or(0);
    for (long long n = 1; n <= numvfs; ++n) {
      std::string dir = join_path(admin, fmt::format("vf{}", n));
      VgpuInstance inst;
      auto vf = sysfs.resolve(join_path(f.path, fmt::format("virtfn{}", n - 1)));
      inst.id = vf ? std::filesystem::path(*vf).filename().string() : fmt::format("vf{}", n);
      inst.slot = inst.id;
      inst.type_id = "xe-vf";
      inst.type_name = fmt::format("xe VF {}", n);
      std::string profile = join_path(dir, "profile");
      for (const auto& knob : sysfs.list(profile))
        if (auto value = sysfs.read_opt(join_path(profile, knob)))
          inst.attrs.emplace_back(knob, *value);
      gpu.instances.push_back(std::move(inst));
    }
    gpu.notes.push_back(fmt::format(
        "VFs are enabled with 'sriovctl create {} N'; their sriov_admin profiles are listed, "
        "not written",
        gpu.id));
    return gpu;
  }
};

}  // namespace

const VgpuHandler& xe_handler() {
  static const XeHandler handler;
  return handler;
}

}  // namespace mdev
