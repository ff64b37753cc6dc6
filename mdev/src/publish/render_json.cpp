// The catalog itself as JSON (publish json): the shape documented in sriovctl(8).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "mdev/publish.hpp"
#include "sriov/json_text.hpp"
#include "sriov/text.hpp"
#include "sriov/vf_config.hpp"

namespace mdev::publish {
namespace {

template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

nlohmann::json text_or_null(const std::string& s) {
  return s.empty() ? nlohmann::json(nullptr) : nlohmann::json(s);
}

nlohmann::json device_json(const Device& d) {
  bool ids = d.vendor_id != 0 || d.device_id != 0;  // an mdev on a non-PCI parent has none
  return {{"kind", kind_name(d.kind)},
          {"id", d.id},
          {"address", d.address ? nlohmann::json(d.address->str()) : nlohmann::json(nullptr)},
          {"parent", d.parent},
          {"parent_netdev", text_or_null(d.parent_netdev)},
          {"vf_index", opt(d.vf_index)},
          {"mdev_parent", text_or_null(d.mdev_parent)},
          {"numa_node", opt(d.numa_node)},
          {"iommu_group", opt(d.iommu_group)},
          {"iommu_group_peers", d.group_peers},
          {"vfio", d.vfio.managed},
          {"vfio_files", d.vfio.files},
          {"vendor_id", ids ? nlohmann::json(sriov::hex4(d.vendor_id)) : nullptr},
          {"device_id", ids ? nlohmann::json(sriov::hex4(d.device_id)) : nullptr},
          {"driver", opt(d.driver)},
          {"type_id", text_or_null(d.type_id)},
          {"type_name", text_or_null(d.type_name)},
          // The VF settings' keys, as everywhere (sriov::vf_key, '_' for '-').
          {sriov::json_key(sriov::vf_key::mac), opt(d.mac)},
          {sriov::json_key(sriov::vf_key::vlan), opt(d.vlan)},
          {"pool", d.pool},
          {"holders", sriov::holders_json(d.holders)}};
}

}  // namespace

nlohmann::json catalog_json(const Catalog& catalog) {
  nlohmann::json devices = nlohmann::json::array(), pools = nlohmann::json::array();
  for (const auto& d : catalog.devices) devices.push_back(device_json(d));
  for (const auto& p : catalog.pools) {
    nlohmann::json ids = nlohmann::json::array();
    for (size_t i : p.devices) ids.push_back(catalog.devices[i].id);
    pools.push_back({{"name", p.name},
                     {"kind", kind_name(p.kind)},
                     {"source", p.source},
                     {"devices", ids},
                     {"physical_network", opt(p.physical_network)},
                     {"trusted", opt(p.trusted)}});
  }
  return {{"devices", devices}, {"pools", pools}, {"warnings", catalog.warnings}};
}

namespace detail {
Rendered render_json(const Catalog& catalog) {
  Rendered r;
  r.files.push_back({"sriovctl-devices.json", sriov::dump_utf8(catalog_json(catalog), 2) + "\n"});
  return r;
}

}  // namespace detail
}  // namespace mdev::publish
