#pragma once
// The vendor-neutral vGPU model: physical GPUs, the vGPU types they offer, the places where
// instances are created (an mdev parent, or an NVIDIA VF), and the instances that exist.
// A VgpuHandler per vendor fills it from sysfs (handler.hpp); the planner (planner.hpp) reads
// only this model, so it is a pure function that tests feed with fixture hosts.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mdev/mdev.hpp"
#include "sriov/error.hpp"
#include "sriov/holders.hpp"
#include "sriov/pci_address.hpp"
#include "sriov/sysfs.hpp"

namespace mdev {

// How instances are created on a GPU.
enum class Backend {
  mdev,         // write a UUID to <parent>/mdev_supported_types/<type>/create
  nvidia_vfio,  // NVIDIA SR-IOV vGPU without mdev: write a type id to a VF's current_vgpu_type
  listing,      // read only (Intel xe SR-IOV: VFs come from sriov_numvfs, tuned in sriov_admin)
};
std::string_view backend_name(Backend backend);

// Whether different vGPU types may run on one physical GPU at the same time.
enum class Mixing {
  any,        // mbochs, GVT-g, NVIDIA in heterogeneous mode
  same_type,  // NVIDIA time-sliced vGPUs: one type per GPU
};
std::string_view mixing_name(Mixing mixing);

using Facts = std::vector<std::pair<std::string, std::string>>;  // ordered key/value pairs

struct VgpuType {
  std::string id;    // mdev type id ("nvidia-230", "mbochs-large"), or NVIDIA vGPU type number
  std::string name;  // "GRID T4-1Q"; the id when the driver gives no name
  std::optional<uint64_t> framebuffer;  // bytes
  std::optional<unsigned> max_instances;
  std::optional<unsigned> heads;
  std::optional<std::string> max_resolution;  // "5120x2880"
  std::optional<char> profile_class;          // NVIDIA Q (vWS), B (vPC), A (vApps), C (compute)
  std::optional<unsigned> available;          // more instances that fit now, over the GPU
  std::optional<std::string> device_api;
  std::optional<std::string> description;  // the driver's text, as read
  Facts vendor;                            // other vendor facts (frl_config, weight, ...)
};

// "GRID T4-1Q (nvidia-230)"; the id alone when the driver gives no other name.
std::string label(const VgpuType& type);

// One type as one slot offers it.
struct TypeOffer {
  std::string type_id;
  std::string path;                   // mdev: host path of the type directory
  std::optional<unsigned> available;  // nullopt: the driver does not say
};

// Where instances are created: an mdev parent, or one NVIDIA VF.
struct Slot {
  std::string id;    // mdev parent name ("0000:af:00.0", "mbochs") or VF address
  std::string path;  // host path of the parent device or the VF
  std::vector<TypeOffer> offers;
  unsigned current_type = 0;  // NVIDIA VF: nvidia/current_vgpu_type (0: no vGPU)

  const TypeOffer* find_offer(std::string_view type_id) const;
};

struct VgpuInstance {
  std::string id;    // UUID (mdev), or the VF address (NVIDIA vendor VFIO, xe)
  std::string slot;  // parent or VF it lives on
  std::string type_id;
  std::string type_name;
  std::string type_path;  // mdev: the type directory (to recreate it on undo)
  Facts attrs;            // xe: the VF's profile knobs
  std::vector<sriov::Holder> holders;  // processes holding it through VFIO (holders.hpp's rule)
};

struct Gpu {
  std::string id;  // PCI address of the physical GPU, or the parent name ("mbochs")
  std::optional<sriov::PciAddress> address;
  std::string handler;  // name of the VgpuHandler that claimed it
  Backend backend = Backend::mdev;
  Mixing mixing = Mixing::any;
  std::string device_path;
  std::optional<std::string> driver;
  std::optional<int> numa_node;
  std::optional<uint16_t> vendor_id, device_id;
  std::vector<VgpuType> types;  // sorted by framebuffer, then name
  std::vector<Slot> slots;
  std::vector<VgpuInstance> instances;
  std::vector<std::string> notes;  // facts an operator should know ("no VFs enabled ...")

  const VgpuType* find_type(std::string_view id_or_name) const;
  const Slot* find_slot(std::string_view id) const;
};

struct VgpuHost {
  std::vector<Gpu> gpus;
  // mdev devices whose parent no handler knows (a parent going away): removable, nothing else.
  std::vector<MdevDevice> stray;

  const Gpu* find_gpu(std::string_view id) const;
  // The GPU and instance with this id (UUID or VF address).
  std::pair<const Gpu*, const VgpuInstance*> find_instance(std::string_view id) const;
};

// What a PARENT argument names: a GPU, or one slot of it (an mdev parent that is a VF, an
// NVIDIA VF). Accepts a full or short PCI address or an mdev parent name ("mbochs").
struct Target {
  const Gpu* gpu = nullptr;
  const Slot* slot = nullptr;  // null: the whole GPU
  std::string id() const { return slot ? slot->id : gpu->id; }
};
sriov::Result<Target> find_target(const VgpuHost& host, std::string_view spec);

// The sysfs device an instance is opened through (VFIO): the mdev, or the NVIDIA VF; empty
// for instances that are only listed.
std::string instance_device(const Gpu& gpu, const VgpuInstance& inst);

// Reads the host: every mdev parent, claimed by the first handler that recognises it and
// grouped by physical GPU, then the GPUs the handlers find without mdev, then who holds each
// instance through VFIO (one /proc scan when instances exist; an instance's VFIO files are
// read only when some process holds a VFIO file at all).
sriov::Result<VgpuHost> scan_vgpu_host(const sriov::Sysfs& sysfs);

// Sorts types by framebuffer (unknown last), then profile class, then name.
void sort_types(std::vector<VgpuType>& types);

}  // namespace mdev
