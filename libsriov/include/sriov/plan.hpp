#pragma once
// Every change to the host is a Step of a Plan. A planner computes the plan from what the
// user asked for and what the host looks like (no writes); an executor runs it, undoing the
// completed steps when one fails. --dry-run prints the plan instead.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "sriov/pci_address.hpp"
#include "sriov/vf_config.hpp"

namespace sriov {

// sriov_drivers_autoprobe of a PF.
struct SetAutoprobe {
  std::string pf;         // PF label for messages
  std::string pf_path;    // host path of the PF device directory
  bool from = true, to = true;
};

// sriov_numvfs of a PF. The kernel only goes nonzero -> 0 -> nonzero, so a change between two
// nonzero counts is two steps.
struct SetNumVfs {
  std::string pf;
  std::string pf_path;
  unsigned from = 0, to = 0;
  unsigned vfio_bound = 0;   // VFs on a VFIO driver that a disable destroys
  bool wait_netdevs = false; // PF is a NIC: wait for VF netdevs that a driver probes
  // Filled when the step destroys VFs: each VF's driver and driver_override, so that undoing
  // the step (recreating the VFs) can put them back on the same drivers.
  struct PriorVf {
    std::optional<std::string> driver, driver_override;
  };
  std::vector<PriorVf> prior;
  std::string vfio_driver = "vfio-pci";  // the driver(s) of the vfio_bound VFs, for messages
};

// Moves one VF to another driver (to == nullopt: leave it without a driver).
struct BindDriver {
  std::string pf;
  unsigned vf_index = 0;
  PciAddress vf;
  std::optional<std::string> from;       // driver bound when planned
  std::optional<std::string> from_override;  // driver_override when planned
  std::optional<std::string> to;
};

// Creates one mediated device: writes its UUID to the type's create file. Undo removes it.
struct CreateMdev {
  std::string parent;     // parent label for messages (PCI address or name such as "mbochs")
  std::string type_id;    // "nvidia-230", "mbochs-small"
  std::string type_path;  // host path of <parent>/mdev_supported_types/<type_id>
  std::string uuid;
};

// Removes one mediated device (writes 1 to its remove file). Undo recreates it, same UUID.
struct RemoveMdev {
  std::string parent;
  std::string type_id;
  std::string type_path;
  std::string uuid;
};

// NVIDIA vendor-VFIO vGPU (no mdev): a VF's nvidia/current_vgpu_type; 0 means no vGPU.
struct SetVgpuType {
  std::string vf;       // VF address for messages
  std::string vf_path;  // host path of the VF device directory
  unsigned from = 0, to = 0;
  std::string to_name;  // "NVIDIA L40S-4Q" for messages
};

// A configuration file owned by the plan (e.g. an mdevctl definition under /etc/mdevctl.d).
// to == nullopt removes it; from == nullopt means it did not exist.
struct WriteConfigFile {
  std::string path;
  std::optional<std::string> from, to;
  std::string what;   // "mdevctl definition of 1f0e...", for messages
  std::string group;  // what the file belongs to, for grouping ("mbochs"); empty: `what`
};

// VF settings of one PF over rtnetlink: every VF that differs, in as few RTM_SETLINK messages
// as the 64 KiB limit allows, verified by reading back.
struct SetVfSettings {
  std::string pf;      // PF label
  std::string ifname;  // PF netdev the requests go to
  std::string driver;  // PF driver, for messages
  std::vector<VfChange> changes;
  // VFs that do not exist yet when the plan is made (created by an earlier step): what they
  // should get; compared with the kernel and turned into `changes` when the step runs.
  struct DeferredVf {
    unsigned index = 0;
    VfConfig config;
    unsigned mac_offset = 0;
  };
  std::vector<DeferredVf> deferred;
};

using Step = std::variant<SetAutoprobe, SetNumVfs, BindDriver, CreateMdev, RemoveMdev,
                          SetVgpuType, WriteConfigFile, SetVfSettings>;

// Written to driver_override to clear it (the kernel treats an empty line as "unset").
inline constexpr const char* kClearOverride = "\n";

// One sysfs write a step performs, in order (shown by --dry-run).
struct Write {
  std::string path;
  std::string value;
};

std::string step_action(const Step& step);      // "set-numvfs", "bind", ...
std::string step_target(const Step& step);      // PF or VF address
std::string step_group(const Step& step);       // the PF (or mdev parent) a step belongs to
std::string describe(const Step& step);         // "set VF count of 0000:3b:00.0: 0 -> 8"
std::string disruption(const Step& step);       // "destroys 4 VFs (2 bound to vfio-pci)" or ""
std::vector<Write> planned_writes(const Step& step);

struct Plan {
  std::string summary;              // "create 8 VFs on 0000:3b:00.0 (ens1f0)"
  std::vector<Step> steps;
  std::vector<std::string> notes;   // why a plan is empty, what was skipped
  bool empty() const { return steps.empty(); }
};

}  // namespace sriov
