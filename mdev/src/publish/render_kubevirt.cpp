// KubeVirt: spec.configuration of the KubeVirt CR, as a merge patch. PCI devices are
// permitted by vendor:device (pciVendorSelector) and vGPUs by type name (mdevNameSelector, the
// type's `name` as the driver gives it: KubeVirt turns spaces into '_' on both sides before
// comparing, case-sensitively). KubeVirt itself makes a device plugin per resource.
//
// While KubeVirt manages mdevs it deletes every mdev whose type it was not told to create, so
// with vGPUs the patch turns that off (mediatedDevicesConfiguration.enabled: false, v1.8).
#include <fmt/format.h>

#include <map>

#include <yaml-cpp/yaml.h>

#include "mdev/publish.hpp"

namespace mdev::publish::detail {
namespace {

struct Entry {
  std::string selector, resource, pools;
};

void emit_list(YAML::Emitter& y, const char* key, const char* selector_key,
               const std::vector<Entry>& entries) {
  if (entries.empty()) return;
  y << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& e : entries)
    y << YAML::BeginMap << YAML::Key << selector_key << YAML::Value << YAML::DoubleQuoted
      << e.selector << YAML::Key << "resourceName" << YAML::Value << e.resource
      << YAML::EndMap;
  y << YAML::EndSeq;
}

}  // namespace

Rendered render_kubevirt(const Catalog& catalog, const std::vector<size_t>& usable,
                         const RenderOptions& options) {
  std::vector<bool> ok(catalog.devices.size(), false);
  for (size_t i : usable) ok[i] = true;
  std::vector<Entry> pci, mdevs;
  std::map<std::string, size_t> seen;  // selector -> entry: KubeVirt cannot tell pools apart
  Rendered r;
  for (const auto& pool : catalog.pools) {
    const Device* first = nullptr;
    for (size_t i : pool.devices)
      if (ok[i]) first = first ? first : &catalog.devices[i];
    if (!first) continue;
    bool mdev = pool.kind == Kind::mdev;
    std::string selector = mdev ? first->type_name
                                : fmt::format("{:04X}:{:04X}", first->vendor_id, first->device_id);
    auto& list = mdev ? mdevs : pci;
    auto [it, fresh] = seen.emplace(selector, list.size());
    if (!fresh) {
      list[it->second].pools += ", " + pool.name;
      r.warnings.push_back(fmt::format(
          "kubevirt: pool {} has the same selector \"{}\" as {}: KubeVirt publishes them as "
          "one resource, {}",
          pool.name, selector, list[it->second].pools, list[it->second].resource));
      continue;
    }
    list.push_back({selector, options.domain + "/" + pool.name, pool.name});
  }
  if (pci.empty() && mdevs.empty()) return r;
  YAML::Emitter y;
  y << YAML::Comment("KubeVirt CR patch, published by sriovctl. Apply with:\n"
                     "kubectl patch kubevirt kubevirt -n kubevirt --type merge --patch-file FILE\n"
                     "A merge patch replaces whole lists: add other permitted devices here.")
    << YAML::Newline;
  y << YAML::BeginMap << YAML::Key << "spec" << YAML::Value << YAML::BeginMap << YAML::Key
    << "configuration" << YAML::Value << YAML::BeginMap;
  y << YAML::Key << "permittedHostDevices" << YAML::Value << YAML::BeginMap;
  emit_list(y, "pciHostDevices", "pciVendorSelector", pci);
  emit_list(y, "mediatedDevices", "mdevNameSelector", mdevs);
  y << YAML::EndMap;
  if (!mdevs.empty()) {
    // Before v1.8: the DisableMDEVConfiguration feature gate does the same.
    y << YAML::Key << "mediatedDevicesConfiguration" << YAML::Value << YAML::BeginMap
      << YAML::Key << "enabled" << YAML::Value << false << YAML::EndMap;
  }
  y << YAML::EndMap << YAML::EndMap << YAML::EndMap;
  r.files.push_back({"kubevirt.yaml", std::string(y.c_str()) + "\n"});
  return r;
}

}  // namespace mdev::publish::detail
