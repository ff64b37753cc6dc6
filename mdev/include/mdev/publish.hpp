#pragma once
// Publishing: the host's VFs and vGPU instances as one neutral list of assignable devices (a
// Catalog), and one renderer per consumer (libvirt, CDI, the SR-IOV network device plugin,
// Nova, KubeVirt, and the list itself as JSON). Renderers are pure functions of the catalog;
// only read_catalog touches the host, and only to read. Which consumer can use which device
// is decided in one place (unusable()), so every format refuses a device for the same reason.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mdev/profile_file.hpp"
#include "mdev/vgpu.hpp"
#include "sriov/error.hpp"
#include "sriov/holders.hpp"
#include "sriov/inventory.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/pci_address.hpp"
#include "sriov/sysfs.hpp"

namespace mdev::publish {

enum class Kind {
  nic_vf,          // a VF of a network PF
  pci,             // a VF of any other PF (NVMe, accelerators)
  mdev,            // a mediated device (vGPU instance)
  nvidia_vgpu_vf,  // an NVIDIA VF holding a vGPU through current_vgpu_type (no mdev)
};
std::string_view kind_name(Kind kind);  // "nic-vf", "pci", "mdev", "nvidia-vgpu-vf"

struct Device {
  Kind kind = Kind::nic_vf;
  std::string id;                            // PCI address, or the mdev's UUID
  std::optional<sriov::PciAddress> address;  // the PCI kinds
  std::string parent;                        // PF (VFs) or GPU (vGPUs) id
  std::string parent_netdev;                 // the PF's first netdev; empty when none
  std::optional<unsigned> vf_index;
  std::string mdev_parent;  // mdev: the parent device ("0000:af:00.0", "mbochs")
  std::optional<int> numa_node;
  std::optional<unsigned> iommu_group;
  std::vector<std::string> group_peers;  // other devices in its IOMMU group
  // A VFIO driver manages it, and the files a VM opens it through (holders.hpp's rule).
  sriov::VfioAccess vfio;
  uint16_t vendor_id = 0, device_id = 0;  // the device's; an mdev's are its parent GPU's
  std::optional<std::string> driver;
  std::string type_id, type_name;  // vGPUs
  std::optional<std::string> mac;  // VF settings, when they were read
  std::optional<unsigned> vlan;
  std::string pool;
  std::vector<sriov::Holder> holders;  // processes that hold it open now
};

// Devices published together under one name: the VFs of one PF, or the vGPUs of one type.
struct Pool {
  std::string name;  // [A-Za-z0-9_-]+: a resource name every consumer accepts
  Kind kind = Kind::nic_vf;
  std::string source;  // "VFs of 0000:3b:00.0 (ens1f0)", "vGPU type GRID T4-1Q (nvidia-230)"
  std::vector<size_t> devices;  // indexes into Catalog::devices
  // From a profile's publish: (sriov-profile(5)): Nova's device_spec tags.
  std::optional<std::string> physical_network;
  std::optional<bool> trusted;
};

struct Catalog {
  std::vector<Device> devices;  // VFs by PF and index, then vGPUs by GPU
  std::vector<Pool> pools;
  std::vector<std::string> warnings;  // shared IOMMU groups, held devices
};

// Reads every PCI VF of every SR-IOV PF and every vGPU instance; link (may be null) reads the
// VFs' MAC and VLAN. Pools: the ones a profile's entries name (publish: pool) for the devices
// they select, else one per PF and one per vGPU type.
sriov::Result<Catalog> read_catalog(const sriov::Sysfs& sysfs, const sriov::Inventory& inventory,
                                    sriov::LinkBackend* link, const Profile* profile = nullptr);

enum class Format { libvirt, cdi, device_plugin, dra, nova, kubevirt, json };
inline constexpr Format kFormats[] = {Format::libvirt, Format::cdi,      Format::device_plugin,
                                      Format::dra,     Format::nova,     Format::kubevirt,
                                      Format::json};
std::string_view format_name(Format format);  // "libvirt", "cdi", "device-plugin", ...
std::optional<Format> parse_format(std::string_view text);
// Where a format is written when --output is not given ("-": standard output).
std::string_view default_output(Format format);

// Why the consumer of `format` cannot use the device, or nullopt when it can. The one rule:
// CDI needs a VFIO device file; KubeVirt a VFIO driver (or NVIDIA's own for a vGPU VF); the
// device plugin and dra-driver-sriov publish VFs bound to a driver only; Nova names mdev
// parents by PCI address.
std::optional<std::string> unusable(Format format, const Device& device);

struct RenderOptions {
  // The DNS domain resources are named in: the CDI vendor, the device plugin's resourcePrefix,
  // KubeVirt's resourceName prefix.
  std::string domain = "sriovctl.local";
  // Host paths that exist (/dev/iommu decides the iommufd form of a CDI spec).
  bool have_iommufd = false;
  // The host's name: the Kubernetes node a dra policy selects (empty: unknown).
  std::string node_name;
};

// A pool (resource) name every consumer accepts: 1 to 63 of [A-Za-z0-9_-].
bool valid_pool_name(std::string_view name);

// A DNS domain every consumer takes as a vendor or resource prefix: lower-case letters, digits,
// '-' and '.', at least two labels, each starting with a letter and ending alphanumeric.
sriov::Status check_domain(std::string_view domain);

struct File {
  std::string name;  // in the output directory
  std::string content;
};

struct Skipped {
  std::string device;
  std::string reason;
};

struct Rendered {
  std::vector<File> files;
  std::vector<Skipped> skipped;
  std::vector<std::string> warnings;
};

Rendered render(Format format, const Catalog& catalog, const RenderOptions& options);

// The renderers, one file each (render() picks one and applies unusable() first: `usable`
// holds the devices the consumer can take, by index).
namespace detail {
Rendered render_libvirt(const Catalog& catalog, const std::vector<size_t>& usable);
Rendered render_cdi(const Catalog& catalog, const std::vector<size_t>& usable,
                    const RenderOptions& options);
Rendered render_device_plugin(const Catalog& catalog, const std::vector<size_t>& usable,
                              const RenderOptions& options);
Rendered render_dra(const Catalog& catalog, const std::vector<size_t>& usable,
                    const RenderOptions& options);
Rendered render_nova(const Catalog& catalog, const std::vector<size_t>& usable);
Rendered render_kubevirt(const Catalog& catalog, const std::vector<size_t>& usable,
                         const RenderOptions& options);
Rendered render_json(const Catalog& catalog);
// "0-3,7,9-12" for sorted indexes.
std::string ranges(const std::vector<unsigned>& sorted);
// A name every consumer accepts: characters outside [A-Za-z0-9_-] become '_'.
std::string resource_name(std::string_view text);
}  // namespace detail

}  // namespace mdev::publish

#include <nlohmann/json_fwd.hpp>

#include "sriov/plan.hpp"

namespace mdev::publish {

// The catalog as the json format writes it (and --json reports embed).
nlohmann::json catalog_json(const Catalog& catalog);

// What an output directory holds of a format: the files a render names and the ones an earlier
// publish recorded in its manifest (DIR/.sriovctl-publish-FORMAT, one name per line), so a
// re-publish removes what is no longer published and --remove takes it all back.
struct Published {
  std::map<std::string, std::string> files;  // name -> content, for the files that exist
  std::optional<std::vector<std::string>> manifest;
};
std::string manifest_name(Format format);
sriov::Result<Published> read_published(const sriov::Sysfs& sysfs, const std::string& dir,
                                        Format format, const Rendered& rendered);

struct PublishRequest {
  std::string dir;
  Format format = Format::json;
  bool remove = false;  // take back what the manifest lists
  bool force = false;   // overwrite files no publish wrote
};
// The file writes (write-file / remove-file steps, undone on failure like any step) that make
// the directory hold exactly the render, the manifest last; none when it does already.
// Refused: overwriting a file that exists but no earlier publish wrote (unless force).
sriov::Result<sriov::Plan> plan_publish(const PublishRequest& request, const Rendered& rendered,
                                        const Published& published);

}  // namespace mdev::publish
