#pragma once
// What `list` and `types` show, as JSON objects and table cells (shapes in vgpuctl(8)).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "mdev/mdevctl.hpp"
#include "mdev/vgpu.hpp"

namespace vgpuctl {

// An instance as `list` shows it: running, defined in /etc/mdevctl.d, or both.
struct InstanceRow {
  std::string id;
  std::optional<std::string> gpu;  // nullopt: a definition whose parent is not present
  std::string parent;
  std::string type_id, type_name;
  bool active = false;
  const mdev::Definition* definition = nullptr;
  mdev::Facts attrs;
  std::string state() const;  // "active", "active, auto", "defined, manual"
};
std::vector<InstanceRow> instance_rows(const mdev::VgpuHost& host,
                                       const std::vector<mdev::Definition>& defs);

nlohmann::json gpu_json(const mdev::Gpu& gpu);
nlohmann::json type_json(const mdev::VgpuType& type);
nlohmann::json instance_json(const InstanceRow& row);

std::string size_text(const std::optional<uint64_t>& bytes);
std::string pci_id(const mdev::Gpu& gpu);

}  // namespace vgpuctl
