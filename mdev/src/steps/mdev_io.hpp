#pragma once
// Creating and removing one mdev: the apply of one kind is the undo of the other.

#include <string>

#include "sriov/step.hpp"

namespace mdev::detail {

std::string mdev_device(const std::string& uuid);  // /sys/bus/mdev/devices/<uuid>
sriov::Status create_mdev(sriov::StepContext& ctx, const std::string& type_path,
                          const std::string& uuid);
sriov::Status remove_mdev(sriov::StepContext& ctx, const std::string& uuid);
// A process holding the mdev through VFIO: remove would block until it lets go.
sriov::Status refuse_if_held(sriov::StepContext& ctx, const std::string& uuid);

}  // namespace mdev::detail
