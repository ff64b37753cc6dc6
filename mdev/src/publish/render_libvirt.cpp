// libvirt: a hostdev <network> per NIC pool, a domain snippet per device, a nodedev per mdev.
//
// Who owns a VF's MAC and VLAN: a guest <interface> (type 'hostdev', or 'network' from a pool)
// makes libvirt program the VF through its PF when the guest starts: the guest's MAC (a random
// one when the XML has none) and the XML's one VLAN tag (none: VLAN 0). So the interface
// snippet carries the MAC and VLAN the VF has now, and the <hostdev> snippet leaves them
// to sriovctl. Exactly one <tag>: libvirt refuses trunks for SR-IOV at guest start only.
#include <fmt/format.h>

#include "mdev/publish.hpp"

namespace mdev::publish::detail {
namespace {

// XML comments may not hold "--"; names come from the kernel and processes.
std::string comment(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '-' && !out.empty() && out.back() == '-') out += ' ';
    out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
  }
  if (!out.empty() && out.back() == '-') out += ' ';
  return "<!-- " + out + " -->";
}

std::string address_xml(const sriov::PciAddress& a, bool with_type) {
  return fmt::format("<address {}domain='0x{:04x}' bus='0x{:02x}' slot='0x{:02x}' function='0x{:x}'/>",
                     with_type ? "type='pci' " : "", a.domain, a.bus, a.device, a.function);
}

std::string managed(const Device& d) { return d.vfio.managed ? "no" : "yes"; }

std::string header(const Device& d) {
  std::string out = comment(fmt::format("{} {} (pool {}), published by sriovctl",
                                        kind_name(d.kind), d.id, d.pool)) + "\n";
  if (!d.holders.empty()) out += comment("in use now: " + sriov::describe(d.holders)) + "\n";
  return out;
}

File pci_hostdev(const Device& d) {
  return {fmt::format("hostdev-{}.xml", d.id),
          header(d) + fmt::format("<hostdev mode='subsystem' type='pci' managed='{}'>\n"
                                  "  <driver name='vfio'/>\n"
                                  "  <source>\n    {}\n  </source>\n"
                                  "</hostdev>\n",
                                  managed(d), address_xml(*d.address, false))};
}

File interface(const Device& d) {
  std::string body;
  if (d.mac && *d.mac != "00:00:00:00:00:00") body += fmt::format("  <mac address='{}'/>\n", *d.mac);
  body += fmt::format("  <source>\n    {}\n  </source>\n", address_xml(*d.address, true));
  if (d.vlan && *d.vlan != 0) body += fmt::format("  <vlan>\n    <tag id='{}'/>\n  </vlan>\n", *d.vlan);
  return {fmt::format("interface-{}.xml", d.id),
          header(d) + fmt::format("<interface type='hostdev' managed='{}'>\n{}</interface>\n",
                                  managed(d), body)};
}

File mdev_hostdev(const Device& d) {
  return {fmt::format("hostdev-{}.xml", d.id),
          header(d) + fmt::format("<hostdev mode='subsystem' type='mdev' model='vfio-pci'>\n"
                                  "  <source>\n    <address uuid='{}'/>\n  </source>\n"
                                  "</hostdev>\n",
                                  d.id)};
}

// libvirt names a PCI node device pci_DDDD_BB_SS_F.
std::string nodedev_name(const sriov::PciAddress& a) {
  return fmt::format("pci_{:04x}_{:02x}_{:02x}_{:x}", a.domain, a.bus, a.device, a.function);
}

File nodedev(const Device& d, const sriov::PciAddress& parent) {
  return {fmt::format("nodedev-{}.xml", d.id),
          header(d) + fmt::format("<device>\n  <parent>{}</parent>\n"
                                  "  <capability type='mdev'>\n    <type id='{}'/>\n"
                                  "    <uuid>{}</uuid>\n  </capability>\n</device>\n",
                                  nodedev_name(parent), d.type_id, d.id)};
}

std::optional<File> network(const Catalog& catalog, const Pool& pool,
                            const std::vector<bool>& usable) {
  std::string addresses;
  bool all_vfio = true;
  for (size_t i : pool.devices) {
    if (!usable[i]) continue;
    const auto& d = catalog.devices[i];
    addresses += "    " + address_xml(*d.address, true) + "\n";
    all_vfio = all_vfio && d.vfio.managed;
  }
  if (addresses.empty()) return std::nullopt;
  return File{fmt::format("network-{}.xml", pool.name),
              fmt::format("{}\n<network>\n  <name>{}</name>\n"
                          "  <forward mode='hostdev' managed='{}'>\n    <driver name='vfio'/>\n"
                          "{}  </forward>\n</network>\n",
                          comment(pool.source + ", published by sriovctl"), pool.name,
                          all_vfio ? "no" : "yes", addresses)};
}

}  // namespace

Rendered render_libvirt(const Catalog& catalog, const std::vector<size_t>& usable) {
  Rendered r;
  std::vector<bool> ok(catalog.devices.size(), false);
  for (size_t i : usable) ok[i] = true;
  for (const auto& pool : catalog.pools)
    if (pool.kind == Kind::nic_vf)
      if (auto f = network(catalog, pool, ok)) r.files.push_back(std::move(*f));
  for (size_t i : usable) {
    const auto& d = catalog.devices[i];
    if (d.kind == Kind::mdev) {
      r.files.push_back(mdev_hostdev(d));
      if (auto parent = sriov::PciAddress::parse(d.mdev_parent); parent &&
          sriov::PciAddress::looks_like(d.mdev_parent))
        r.files.push_back(nodedev(d, *parent));
      else
        r.warnings.push_back(fmt::format("no nodedev XML for mdev {}: its parent {} is not a "
                                         "PCI device",
                                         d.id, d.mdev_parent));
      continue;
    }
    r.files.push_back(pci_hostdev(d));
    if (d.kind == Kind::nic_vf && d.mac) r.files.push_back(interface(d));
  }
  return r;
}

}  // namespace mdev::publish::detail
