// The formats, and the one rule of which consumer can take which device.
#include <fmt/format.h>

#include "mdev/publish.hpp"

namespace mdev::publish {

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::nic_vf: return "nic-vf";
    case Kind::pci: return "pci";
    case Kind::mdev: return "mdev";
    case Kind::nvidia_vgpu_vf: return "nvidia-vgpu-vf";
  }
  return "?";
}

std::string_view format_name(Format format) {
  switch (format) {
    case Format::libvirt: return "libvirt";
    case Format::cdi: return "cdi";
    case Format::device_plugin: return "device-plugin";
    case Format::dra: return "dra";
    case Format::nova: return "nova";
    case Format::kubevirt: return "kubevirt";
    case Format::json: return "json";
  }
  return "?";
}

std::optional<Format> parse_format(std::string_view text) {
  for (Format f : kFormats)
    if (format_name(f) == text) return f;
  return std::nullopt;
}

std::string_view default_output(Format format) {
  switch (format) {
    case Format::cdi: return "/var/run/cdi";  // CDI's dynamic spec directory
    case Format::device_plugin: return "/etc/pcidp";  // the plugin's default -config-file dir
    case Format::libvirt: return "/etc/sriov/publish/libvirt";
    default: return "-";
  }
}

namespace {

bool on_vfio(const Device& d) { return d.vfio.managed && !d.vfio.files.empty(); }

std::string driver_text(const Device& d) {
  return d.driver ? "on " + *d.driver : "bound to no driver";
}

}  // namespace

std::optional<std::string> unusable(Format format, const Device& d) {
  bool pci = d.kind == Kind::nic_vf || d.kind == Kind::pci;
  switch (format) {
    case Format::json:
      return std::nullopt;
    case Format::libvirt:
      // libvirt binds a PCI device to vfio-pci itself (managed='yes'); a vGPU it cannot.
      if (!pci && !on_vfio(d)) return "not managed by a VFIO driver (" + driver_text(d) + ")";
      return std::nullopt;
    case Format::cdi:
      if (!on_vfio(d))
        return "a container opens a device through its VFIO file, and it has none (" +
               driver_text(d) + "; bind it to vfio-pci)";
      return std::nullopt;
    case Format::kubevirt:
      // KubeVirt takes PCI devices on vfio-pci, mdevs, and (v1.9) NVIDIA vGPU VFs on nvidia.
      if (pci && !on_vfio(d))
        return "KubeVirt assigns PCI devices bound to vfio-pci only (" + driver_text(d) + ")";
      return std::nullopt;
    case Format::device_plugin:
      if (!pci) return "the SR-IOV network device plugin publishes PCI VFs only";
      // The plugin hands a pod a netdev or a VFIO file: an unbound VF has neither.
      if (!d.driver)
        return "bound to no driver, it has nothing the device plugin can hand a pod (bind it "
               "to vfio-pci or its VF driver)";
      return std::nullopt;
    case Format::dra:
      // dra-driver-sriov discovers NIC VFs itself and hands out a netdev or a VFIO file.
      if (d.kind != Kind::nic_vf) return "dra-driver-sriov publishes NIC VFs only";
      if (!d.driver) return "bound to no driver, it has nothing dra-driver-sriov can hand a pod";
      return std::nullopt;
    case Format::nova:
      if (d.kind == Kind::mdev && !sriov::PciAddress::looks_like(d.mdev_parent))
        return "Nova names mdev parents by PCI address, and its parent is " + d.mdev_parent;
      return std::nullopt;
  }
  return std::nullopt;
}

bool valid_pool_name(std::string_view name) {
  return !name.empty() && name.size() <= 63 && detail::resource_name(name) == name;
}

sriov::Status check_domain(std::string_view domain) {
  auto bad = [&](std::string_view why) {
    return sriov::fail(sriov::Errc::invalid_input,
                       fmt::format("domain {}: {}; give a DNS domain such as example.org", domain, why));
  };
  if (domain.size() > 253) return bad("longer than 253 characters");
  size_t labels = 0;
  for (size_t start = 0; start <= domain.size(); ++labels) {
    size_t end = std::min(domain.find('.', start), domain.size());
    std::string_view label = domain.substr(start, end - start);
    if (label.empty() || label.size() > 63) return bad("each label has 1 to 63 characters");
    if (label.front() < 'a' || label.front() > 'z') return bad("each label starts with a letter a-z");
    for (char c : label)
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
        return bad("only a-z, 0-9, '-' and '.' are allowed");
    if (label.back() == '-') return bad("a label ends with a letter or digit");
    start = end + 1;
  }
  if (labels < 2) return bad("it needs at least two labels");
  return {};
}

Rendered render(Format format, const Catalog& catalog, const RenderOptions& options) {
  std::vector<size_t> usable;
  std::vector<Skipped> skipped;
  for (size_t i = 0; i < catalog.devices.size(); ++i) {
    if (auto why = unusable(format, catalog.devices[i]))
      skipped.push_back({catalog.devices[i].id, *why});
    else
      usable.push_back(i);
  }
  Rendered r;
  switch (format) {
    case Format::libvirt: r = detail::render_libvirt(catalog, usable); break;
    case Format::cdi: r = detail::render_cdi(catalog, usable, options); break;
    case Format::device_plugin: r = detail::render_device_plugin(catalog, usable, options); break;
    case Format::dra: r = detail::render_dra(catalog, usable, options); break;
    case Format::nova: r = detail::render_nova(catalog, usable); break;
    case Format::kubevirt: r = detail::render_kubevirt(catalog, usable, options); break;
    case Format::json: r = detail::render_json(catalog); break;
  }
  r.skipped.insert(r.skipped.begin(), skipped.begin(), skipped.end());
  return r;
}

namespace detail {

std::string ranges(const std::vector<unsigned>& sorted) {
  std::string out;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + (i == j ? std::to_string(sorted[i])
                                              : fmt::format("{}-{}", sorted[i], sorted[j]));
    i = j + 1;
  }
  return out;
}

std::string resource_name(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    out += ok ? c : '_';
  }
  return out.empty() ? "_" : out;
}

}  // namespace detail
}  // namespace mdev::publish
