#pragma once
// The kernel's mediated-device model as sysfs shows it: parents (/sys/class/mdev_bus), the
// types each parent offers (<parent>/mdev_supported_types/<type>) and the devices
// (/sys/bus/mdev/devices/<uuid>). Every per-type file is optional: drivers and kernel versions
// differ in which ones they provide (mtty has no description; before 6.1 `name` was optional).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/pci_address.hpp"
#include "sriov/sysfs.hpp"

namespace mdev {

inline constexpr std::string_view kMdevBus = "/sys/class/mdev_bus";
inline constexpr std::string_view kMdevDevices = "/sys/bus/mdev/devices";

struct MdevType {
  std::string id;    // directory name, "<driver>-<type>": "nvidia-230", "mbochs-small"
  std::string path;  // host path of the type directory
  std::optional<std::string> name;
  std::optional<std::string> description;  // free text, trailing newline removed
  std::optional<std::string> device_api;   // "vfio-pci"
  std::optional<unsigned> available;       // available_instances
};

struct MdevParent {
  std::string name;         // entry in /sys/class/mdev_bus: "0000:af:00.0", "mbochs"
  std::string device_path;  // host path of the parent device (symlinks resolved)
  std::optional<sriov::PciAddress> address;  // when the parent is a PCI function
  std::optional<std::string> physfn;         // its PF's address when the parent is a VF
  std::optional<std::string> driver;
  std::optional<int> numa_node;  // nullopt: unknown (-1) or not a PCI device
  std::optional<uint16_t> vendor_id, device_id;
  std::vector<MdevType> types;  // sorted by id

  const MdevType* find_type(std::string_view id) const;
};

struct MdevDevice {
  std::string uuid;
  std::string path;                      // host path of the device (symlinks resolved)
  std::optional<std::string> type_id;    // from the mdev_type link
  std::optional<std::string> type_path;  // host path of the type directory
  std::optional<std::string> parent;     // parent name: the directory the device sits in
};

// Every parent with its types, sorted by name. Parents whose link does not resolve (a driver
// unloading right now) are skipped.
std::vector<MdevParent> read_mdev_parents(const sriov::Sysfs& sysfs);
sriov::Result<MdevParent> read_mdev_parent(const sriov::Sysfs& sysfs, std::string_view name);

// Every mdev device, sorted by UUID.
std::vector<MdevDevice> read_mdev_devices(const sriov::Sysfs& sysfs);

// Reads one type directory; `id` is its name.
MdevType read_mdev_type(const sriov::Sysfs& sysfs, const std::string& path, std::string id);

}  // namespace mdev
