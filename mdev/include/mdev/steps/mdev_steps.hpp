#pragma once
// The vGPU step kinds: creating and removing mediated devices, an NVIDIA VF's vGPU type
// (vendor-VFIO, no mdev) and mdevctl definition files. Each kind's behaviour is in its own
// file under mdev/src/steps/; mdev_step_kinds() (mdev/step_kinds.hpp) lists them for the
// journal reader.

#include <optional>
#include <string>

#include "sriov/step.hpp"

namespace mdev {

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

// An mdevctl definition file under /etc/mdevctl.d, owned by the plan. to == nullopt removes
// it; from == nullopt means it did not exist.
struct WriteConfigFile {
  std::string path;
  std::optional<std::string> from, to;
  std::string what;   // "mdevctl definition of 1f0e...", for messages
  std::string group;  // what the file belongs to, for grouping ("mbochs"); empty: `what`
};

}  // namespace mdev

namespace sriov {
SRIOV_STEP_KIND(mdev::CreateMdev, "create-mdev");
SRIOV_STEP_KIND(mdev::RemoveMdev, "remove-mdev");
SRIOV_STEP_KIND(mdev::SetVgpuType, "set-vgpu-type");
SRIOV_STEP_KIND(mdev::WriteConfigFile, "write-file");
}  // namespace sriov
