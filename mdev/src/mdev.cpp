#include "mdev/mdev.hpp"

#include <algorithm>
#include <filesystem>

namespace mdev {

using sriov::join_path;

namespace {

std::optional<uint16_t> read_id(const sriov::Sysfs& sysfs, const std::string& path) {
  auto v = sysfs.read_int_opt(path, 16);
  if (!v || *v < 0 || *v > 0xffff) return std::nullopt;
  return static_cast<uint16_t>(*v);
}

}  // namespace

const MdevType* MdevParent::find_type(std::string_view id) const {
  for (const auto& t : types)
    if (t.id == id) return &t;
  return nullptr;
}

MdevType read_mdev_type(const sriov::Sysfs& sysfs, const std::string& path, std::string id) {
  MdevType type;
  type.id = std::move(id);
  type.path = path;
  type.name = sysfs.read_opt(join_path(path, "name"));
  type.description = sysfs.read_opt(join_path(path, "description"));
  type.device_api = sysfs.read_opt(join_path(path, "device_api"));
  if (auto n = sysfs.read_int_opt(join_path(path, "available_instances")); n && *n >= 0)
    type.available = static_cast<unsigned>(*n);
  return type;
}

sriov::Result<MdevParent> read_mdev_parent(const sriov::Sysfs& sysfs, std::string_view name) {
  std::string link = join_path(kMdevBus, name);
  auto dev = sysfs.resolve(link);
  if (!dev) return tl::unexpected(dev.error());
  MdevParent parent;
  parent.name = std::string(name);
  parent.device_path = *dev;
  if (auto a = sriov::PciAddress::parse(parent.name); a && sysfs.exists(join_path(*dev, "config")))
    parent.address = *a;
  parent.physfn = sysfs.link_name(join_path(*dev, "physfn"));
  parent.driver = sysfs.link_name(join_path(*dev, "driver"));
  if (auto numa = sysfs.read_int_opt(join_path(*dev, "numa_node")); numa && *numa >= 0)
    parent.numa_node = static_cast<int>(*numa);
  parent.vendor_id = read_id(sysfs, join_path(*dev, "vendor"));
  parent.device_id = read_id(sysfs, join_path(*dev, "device"));
  std::string types_dir = join_path(*dev, "mdev_supported_types");
  for (const auto& id : sysfs.list(types_dir)) {
    std::string path = join_path(types_dir, id);
    if (!sysfs.is_dir(path)) continue;
    parent.types.push_back(read_mdev_type(sysfs, path, id));
  }
  return parent;
}

std::vector<MdevParent> read_mdev_parents(const sriov::Sysfs& sysfs) {
  std::vector<MdevParent> parents;
  for (const auto& name : sysfs.list(kMdevBus)) {
    auto parent = read_mdev_parent(sysfs, name);
    if (parent) parents.push_back(std::move(*parent));
  }
  return parents;
}

std::vector<MdevDevice> read_mdev_devices(const sriov::Sysfs& sysfs) {
  std::vector<MdevDevice> devices;
  for (const auto& uuid : sysfs.list(kMdevDevices)) {
    auto path = sysfs.resolve_link(join_path(kMdevDevices, uuid));
    if (!path) continue;  // removed while we looked
    MdevDevice dev;
    dev.uuid = uuid;
    dev.path = *path;
    if (auto type = sysfs.resolve_link(join_path(*path, "mdev_type"))) {
      dev.type_path = *type;
      dev.type_id = std::filesystem::path(*type).filename().string();
    }
    auto parent = std::filesystem::path(*path).parent_path().filename().string();
    if (!parent.empty()) dev.parent = parent;
    devices.push_back(std::move(dev));
  }
  return devices;
}

}  // namespace mdev
