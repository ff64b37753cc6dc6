// The SR-IOV network device plugin's config.json: one resource per pool. The plugin ignores
// keys it does not know and matches them case-insensitively, so a typo silently widens a pool;
// only its documented selector keys are written, always in the list form, and each pool's
// selector names its PF and VF indexes exactly (rootDevices "PF#0-3,7"), so no pool can take
// another's devices (the plugin gives a device to the first pool that matches).
#include <fmt/format.h>

#include <set>

#include <nlohmann/json.hpp>

#include "mdev/publish.hpp"
#include "sriov/json_text.hpp"
#include "sriov/text.hpp"

namespace mdev::publish::detail {
namespace {

nlohmann::json resource(const Catalog& catalog, const Pool& pool, const std::vector<bool>& usable,
                        const RenderOptions& options) {
  std::set<std::string> vendors, devices, drivers, addresses;
  std::vector<unsigned> indexes;
  std::string pf;
  for (size_t i : pool.devices) {
    if (!usable[i]) continue;
    const auto& d = catalog.devices[i];
    vendors.insert(sriov::hex4(d.vendor_id));
    devices.insert(sriov::hex4(d.device_id));
    if (d.driver) drivers.insert(*d.driver);
    addresses.insert(d.id);
    indexes.push_back(*d.vf_index);
    pf = d.parent;
  }
  if (indexes.empty()) return nullptr;
  nlohmann::json selector = {{"vendors", vendors}, {"devices", devices}};
  // Every usable VF has a driver (a VF on none is left out, format.cpp): the selector names
  // them, so a VF moved to another driver leaves the resource.
  selector["drivers"] = drivers;
  bool net = pool.kind == Kind::nic_vf;
  if (net)
    selector["rootDevices"] = nlohmann::json::array({pf + "#" + ranges(indexes)});
  else
    selector["pciAddresses"] = addresses;  // accelerators have no rootDevices selector
  return {{"resourceName", pool.name},
          {"resourcePrefix", options.domain},
          {"deviceType", net ? "netDevice" : "accelerator"},
          {"selectors", nlohmann::json::array({selector})}};
}

}  // namespace

Rendered render_device_plugin(const Catalog& catalog, const std::vector<size_t>& usable,
                              const RenderOptions& options) {
  std::vector<bool> ok(catalog.devices.size(), false);
  for (size_t i : usable) ok[i] = true;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& pool : catalog.pools)
    if (auto r = resource(catalog, pool, ok, options); !r.is_null()) list.push_back(r);
  Rendered out;
  if (list.empty()) return out;
  out.files.push_back(
      {"config.json", sriov::dump_utf8(nlohmann::json{{"resourceList", list}}, 2) + "\n"});
  return out;
}

}  // namespace mdev::publish::detail
