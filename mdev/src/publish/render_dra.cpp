// dra-driver-sriov (Kubernetes DRA): the manifests it consumes, in one YAML stream. The driver
// discovers VFs itself and advertises only what a SriovResourcePolicy selects (with none it
// advertises nothing). One policy for this host (nodeSelector on its hostname) with a config
// per pool, whose resourceFilters name the pool's VFs exactly; and one DeviceAttributes per
// pool that gives its devices the attribute DOMAIN/pool, which the config's
// deviceAttributesSelector picks by label, so a ResourceClaim can ask for a pool by name.
#include <fmt/format.h>

#include <set>

#include <yaml-cpp/yaml.h>

#include "mdev/publish.hpp"

namespace mdev::publish::detail {
namespace {

constexpr const char* kApi = "sriovnetwork.k8snetworkplumbingwg.io/v1alpha1";

// Object names are DNS-1123 subdomains: pool names lower-cased, '_' as '-'.
std::string object_name(std::string_view pool) {
  std::string out = "sriovctl-";
  for (char c : pool) out += c == '_' ? '-' : static_cast<char>(std::tolower(c));
  return out;
}

void emit_list(YAML::Emitter& y, const char* key, const std::set<std::string>& values) {
  y << YAML::Key << key << YAML::Value << YAML::Flow << YAML::BeginSeq;
  for (const auto& v : values) y << YAML::DoubleQuoted << v;
  y << YAML::EndSeq;
}

struct PoolDevices {
  const Pool* pool;
  std::set<std::string> vendors, devices, drivers, addresses;
};

void emit_attributes(YAML::Emitter& y, const PoolDevices& p, const RenderOptions& options) {
  std::string label = options.domain + "/pool";
  y << YAML::BeginDoc << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << kApi
    << YAML::Key << "kind" << YAML::Value << "DeviceAttributes" << YAML::Key << "metadata"
    << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
    << object_name(p.pool->name) << YAML::Key << "labels" << YAML::Value << YAML::BeginMap
    << YAML::Key << label << YAML::Value << p.pool->name << YAML::EndMap << YAML::EndMap;
  // The driver reports resourceName to the pod's network (its demos set it this way).
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap << YAML::Key << "attributes"
    << YAML::Value << YAML::BeginMap << YAML::Key << label << YAML::Value << YAML::BeginMap
    << YAML::Key << "string" << YAML::Value << p.pool->name << YAML::EndMap << YAML::Key
    << "sriovnetwork.k8snetworkplumbingwg.io/resourceName" << YAML::Value << YAML::BeginMap
    << YAML::Key << "string" << YAML::Value << options.domain + "/" + p.pool->name
    << YAML::EndMap << YAML::EndMap << YAML::EndMap << YAML::EndMap;
}

void emit_policy(YAML::Emitter& y, const std::vector<PoolDevices>& pools,
                 const RenderOptions& options) {
  y << YAML::BeginDoc << YAML::BeginMap << YAML::Key << "apiVersion" << YAML::Value << kApi
    << YAML::Key << "kind" << YAML::Value << "SriovResourcePolicy" << YAML::Key << "metadata"
    << YAML::Value << YAML::BeginMap << YAML::Key << "name" << YAML::Value
    << (options.node_name.empty() ? std::string("sriovctl") : object_name(options.node_name))
    << YAML::EndMap;
  y << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  if (!options.node_name.empty()) {
    y << YAML::Key << "nodeSelector" << YAML::Value << YAML::BeginMap << YAML::Key
      << "nodeSelectorTerms" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key
      << "matchExpressions" << YAML::Value << YAML::BeginSeq << YAML::BeginMap << YAML::Key
      << "key" << YAML::Value << "kubernetes.io/hostname" << YAML::Key << "operator"
      << YAML::Value << "In" << YAML::Key << "values" << YAML::Value << YAML::Flow
      << YAML::BeginSeq << options.node_name << YAML::EndSeq << YAML::EndMap << YAML::EndSeq
      << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  }
  y << YAML::Key << "configs" << YAML::Value << YAML::BeginSeq;
  for (const auto& p : pools) {
    y << YAML::BeginMap << YAML::Key << "deviceAttributesSelector" << YAML::Value
      << YAML::BeginMap << YAML::Key << "matchLabels" << YAML::Value << YAML::BeginMap
      << YAML::Key << options.domain + "/pool" << YAML::Value << p.pool->name << YAML::EndMap
      << YAML::EndMap;
    y << YAML::Key << "resourceFilters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    emit_list(y, "vendors", p.vendors);
    emit_list(y, "devices", p.devices);
    emit_list(y, "drivers", p.drivers);
    emit_list(y, "pciAddresses", p.addresses);
    y << YAML::EndMap << YAML::EndSeq << YAML::EndMap;
  }
  y << YAML::EndSeq << YAML::EndMap << YAML::EndMap;
}

}  // namespace

Rendered render_dra(const Catalog& catalog, const std::vector<size_t>& usable,
                    const RenderOptions& options) {
  std::vector<bool> ok(catalog.devices.size(), false);
  for (size_t i : usable) ok[i] = true;
  std::vector<PoolDevices> pools;
  for (const auto& pool : catalog.pools) {
    PoolDevices p{&pool, {}, {}, {}, {}};
    for (size_t i : pool.devices) {
      if (!ok[i]) continue;
      const auto& d = catalog.devices[i];
      p.vendors.insert(fmt::format("{:04x}", d.vendor_id));
      p.devices.insert(fmt::format("{:04x}", d.device_id));
      p.drivers.insert(*d.driver);  // unusable() left out unbound VFs
      p.addresses.insert(d.id);
    }
    if (!p.addresses.empty()) pools.push_back(std::move(p));
  }
  Rendered r;
  if (pools.empty()) return r;
  if (options.node_name.empty())
    r.warnings.push_back("dra: the host's name is unknown (no /proc/sys/kernel/hostname): the "
                         "policy selects every node; add a nodeSelector before applying it");
  YAML::Emitter y;
  y << YAML::Comment("dra-driver-sriov manifests, published by sriovctl: kubectl apply -n "
                     "dra-driver-sriov -f FILE (the driver's namespace)");
  for (const auto& p : pools) emit_attributes(y, p, options);
  emit_policy(y, pools, options);
  r.files.push_back({"dra.yaml", std::string(y.c_str()) + "\n"});
  return r;
}

}  // namespace mdev::publish::detail
