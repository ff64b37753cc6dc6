// A nova.conf fragment for nova-compute: [pci] device_spec and alias per pool, and the vGPU
// types with the GPUs that offer them. Release notes in the file say which Nova reads what:
// device_spec is Nova 26.0 (Zed; passthrough_whitelist before), enabled_mdev_types and
// [mdev_<type>] 21.0 (Ussuri; enabled_vgpu_types before). Every device_spec lists exact
// addresses, so it matches the published devices and nothing else.
#include <fmt/format.h>

#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "mdev/publish.hpp"
#include "sriov/json_text.hpp"
#include "sriov/text.hpp"

namespace mdev::publish::detail {
namespace {

// CUSTOM_ + upper-case letters, digits and '_': Placement's resource class rule.
std::string resource_class(std::string_view name) {
  std::string out = "CUSTOM_";
  for (char c : resource_name(name)) out += c == '-' ? '_' : static_cast<char>(std::toupper(c));
  return out;
}

std::string pci_section(const Catalog& catalog, const std::vector<bool>& usable) {
  std::string out;
  std::map<std::string, std::string> alias_of_ids;  // "8086:154c" -> first alias
  for (const auto& pool : catalog.pools) {
    nlohmann::json specs = nlohmann::json::array();
    const Device* first = nullptr;
    for (size_t i : pool.devices) {
      if (!usable[i] || !catalog.devices[i].address) continue;
      const auto& d = catalog.devices[i];
      first = first ? first : &d;
      nlohmann::json s = {{"vendor_id", sriov::hex4(d.vendor_id)},
                          {"product_id", sriov::hex4(d.device_id)},
                          {"address", d.id}};
      if (pool.physical_network) s["physical_network"] = *pool.physical_network;
      if (pool.trusted) s["trusted"] = *pool.trusted ? "true" : "false";
      // Nova 31.0 (Epoxy) assigns NVIDIA vGPU VFs as PCI devices; it must not rebind them.
      if (d.kind == Kind::nvidia_vgpu_vf) {
        s["resource_class"] = resource_class(d.type_name);
        s["managed"] = "no";
      }
      specs.push_back(s);
    }
    if (!first) continue;
    out += fmt::format("# {}: pool {}\ndevice_spec = {}\n", pool.source, pool.name,
                       sriov::dump_utf8(specs));
    std::string ids = sriov::hex4(first->vendor_id) + ":" + sriov::hex4(first->device_id);
    if (pool.kind == Kind::nvidia_vgpu_vf) {
      out += fmt::format(
          "# Nova 31.0 (Epoxy) and later: alias = {}\n",
          sriov::dump_utf8({{"name", pool.name}, {"device_type", "type-VF"},
                            {"resource_class", resource_class(first->type_name)}}));
      continue;
    }
    auto [it, fresh] = alias_of_ids.emplace(ids, pool.name);
    if (!fresh)
      out += fmt::format("# alias {} takes any {} device, of pool {} as of this one\n",
                         it->second, ids, pool.name);
    out += fmt::format("alias = {}\n", sriov::dump_utf8({{"name", pool.name},
                                                         {"vendor_id", sriov::hex4(first->vendor_id)},
                                                         {"product_id", sriov::hex4(first->device_id)},
                                                         {"device_type", "type-VF"}}));
  }
  return out.empty() ? "" : "[pci]\n" + out;
}

std::string mdev_sections(const Catalog& catalog, const std::vector<bool>& usable) {
  std::map<std::string, std::set<std::string>> parents;  // type id -> GPUs with its instances
  for (size_t i = 0; i < catalog.devices.size(); ++i)
    if (usable[i] && catalog.devices[i].kind == Kind::mdev)
      parents[catalog.devices[i].type_id].insert(catalog.devices[i].mdev_parent);
  if (parents.empty()) return "";
  std::string types, groups;
  for (const auto& [type, addresses] : parents) {
    types += (types.empty() ? "" : ", ") + type;
    std::string list;
    for (const auto& a : addresses) list += (list.empty() ? "" : ",") + a;
    groups += fmt::format("\n[mdev_{}]\ndevice_addresses = {}\n", type, list);
  }
  return fmt::format("[devices]\nenabled_mdev_types = {}\n{}", types, groups);
}

}  // namespace

Rendered render_nova(const Catalog& catalog, const std::vector<size_t>& usable) {
  std::vector<bool> ok(catalog.devices.size(), false);
  for (size_t i : usable) ok[i] = true;
  std::string pci = pci_section(catalog, ok), mdevs = mdev_sections(catalog, ok);
  Rendered r;
  if (pci.empty() && mdevs.empty()) return r;
  std::string text =
      "# nova.conf fragment for nova-compute, published by sriovctl from this host's devices.\n"
      "# [pci] device_spec: Nova 26.0 (Zed) and later; [devices] enabled_mdev_types and\n"
      "# [mdev_<type>]: Nova 21.0 (Ussuri) and later. Use an alias in a flavor as\n"
      "# pci_passthrough:alias=\"NAME:COUNT\".\n";
  if (!pci.empty()) text += "\n" + pci;
  if (!mdevs.empty()) text += "\n" + mdevs;
  r.files.push_back({"sriovctl.conf", text});
  return r;
}

}  // namespace mdev::publish::detail
