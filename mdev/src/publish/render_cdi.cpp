// CDI (Container Device Interface) specs: one per class, "<domain>/vf" for PCI devices and
// "<domain>/vgpu" for vGPUs, each device named by its address (dashes for ':' and '.', which
// SPEC.md does not allow in names) or UUID.
//
// A device is reached through VFIO's group file /dev/vfio/N with the container node
// /dev/vfio/vfio, and, where the kernel made a device cdev (vfio-dev/vfioN), also through
// /dev/vfio/devices/vfioN with /dev/iommu (iommufd). No major/minor: the runtime reads them
// from the host's node. cdiVersion is the lowest the spec's fields need: 0.3.0, or 0.5.0 when a
// device name starts with a digit (podman 4.3, Debian bookworm's, reads up to 0.5.0).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "mdev/publish.hpp"
#include "sriov/json_text.hpp"

namespace mdev::publish::detail {
namespace {

std::string device_name(const Device& d) {
  std::string out = d.id;
  for (char& c : out)
    if (c == ':' || c == '.') c = '-';
  return out;
}

std::string env_name(const Device& d) {
  std::string out = d.kind == Kind::mdev ? "SRIOVCTL_MDEV_" : "SRIOVCTL_PCI_";
  for (char c : d.id) out += (c == ':' || c == '.' || c == '-') ? '_' : c;
  return out;
}

nlohmann::json node(const std::string& path) { return {{"path", path}, {"type", "c"}}; }

nlohmann::json edits(const Device& d, const RenderOptions& options) {
  nlohmann::json nodes = nlohmann::json::array();
  bool cdev = false;
  for (const auto& f : d.vfio.files) {
    bool is_cdev = f.rfind("/dev/vfio/devices/", 0) == 0;
    if (is_cdev && !options.have_iommufd) continue;  // no /dev/iommu to open it with
    nodes.push_back(node(f));
    cdev = cdev || is_cdev;
  }
  bool group = nodes.size() > (cdev ? 1u : 0u);
  if (group) nodes.push_back(node("/dev/vfio/vfio"));
  if (cdev) nodes.push_back(node("/dev/iommu"));
  // One variable per device: a container given several devices sees each one.
  return {{"env", nlohmann::json::array({env_name(d) + "=" + d.id})}, {"deviceNodes", nodes}};
}

std::optional<File> spec(const Catalog& catalog, const std::vector<size_t>& usable, bool vgpus,
                         const RenderOptions& options) {
  nlohmann::json devices = nlohmann::json::array();
  bool digit_first = false;
  for (size_t i : usable) {
    const auto& d = catalog.devices[i];
    bool is_vgpu = d.kind == Kind::mdev || d.kind == Kind::nvidia_vgpu_vf;
    if (is_vgpu != vgpus) continue;
    std::string name = device_name(d);
    digit_first = digit_first || (name[0] >= '0' && name[0] <= '9');
    devices.push_back({{"name", name}, {"containerEdits", edits(d, options)}});
  }
  if (devices.empty()) return std::nullopt;
  std::string cls = vgpus ? "vgpu" : "vf";
  nlohmann::json j = {{"cdiVersion", digit_first ? "0.5.0" : "0.3.0"},
                      {"kind", options.domain + "/" + cls},
                      {"devices", devices}};
  return File{fmt::format("sriovctl-{}.json", cls), sriov::dump_utf8(j, 2) + "\n"};
}

}  // namespace

Rendered render_cdi(const Catalog& catalog, const std::vector<size_t>& usable,
                    const RenderOptions& options) {
  Rendered r;
  for (bool vgpus : {false, true})
    if (auto f = spec(catalog, usable, vgpus, options)) r.files.push_back(std::move(*f));
  return r;
}

}  // namespace mdev::publish::detail
