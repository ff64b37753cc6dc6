#include "view.hpp"

#include <fmt/format.h>

#include "mdev/size.hpp"

namespace vgpuctl {

using nlohmann::json;

namespace {

template <class T>
json opt(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json facts_json(const mdev::Facts& facts) {
  json j = json::object();
  for (const auto& [k, v] : facts) j[k] = v;
  return j;
}

}  // namespace

std::string InstanceRow::state() const {
  std::string s = active ? "active" : "defined";
  if (definition) s += definition->autostart ? ", auto" : ", manual";
  return s;
}

std::vector<InstanceRow> instance_rows(const mdev::VgpuHost& host,
                                       const std::vector<mdev::Definition>& defs) {
  std::vector<InstanceRow> rows;
  for (const auto& g : host.gpus) {
    for (const auto& i : g.instances) {
      InstanceRow row;
      row.id = i.id;
      row.gpu = g.id;
      row.parent = i.slot;
      row.type_id = i.type_id;
      row.type_name = i.type_name;
      row.active = true;
      row.definition = mdev::find_definition(defs, i.id);
      row.attrs = i.attrs;
      rows.push_back(std::move(row));
    }
  }
  for (const auto& d : host.stray) {
    InstanceRow row;
    row.id = d.uuid;
    row.parent = d.parent.value_or("-");
    row.type_id = row.type_name = d.type_id.value_or("-");
    row.active = true;
    row.definition = mdev::find_definition(defs, d.uuid);
    rows.push_back(std::move(row));
  }
  for (const auto& d : defs) {
    if (host.find_instance(d.uuid).second) continue;
    InstanceRow row;
    row.id = d.uuid;
    row.parent = d.parent;
    row.type_id = d.type;
    row.type_name = d.type;
    row.definition = &d;
    row.attrs = d.attrs;
    if (auto target = mdev::find_target(host, d.parent)) {
      row.gpu = target->gpu->id;
      if (const auto* t = target->gpu->find_type(d.type)) row.type_name = t->name;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string size_text(const std::optional<uint64_t>& bytes) {
  return bytes ? mdev::format_size(*bytes) : "-";
}

std::string pci_id(const mdev::Gpu& gpu) {
  if (!gpu.vendor_id || !gpu.device_id) return "-";
  return fmt::format("{:04x}:{:04x}", *gpu.vendor_id, *gpu.device_id);
}

json gpu_json(const mdev::Gpu& g) {
  json parents = json::array();
  for (const auto& s : g.slots) parents.push_back(s.id);
  json j;
  j["id"] = g.id;
  j["address"] = g.address ? json(g.address->str()) : json(nullptr);
  j["handler"] = g.handler;
  j["backend"] = mdev::backend_name(g.backend);
  j["mixing"] = mdev::mixing_name(g.mixing);
  j["driver"] = opt(g.driver);
  j["numa_node"] = opt(g.numa_node);
  j["vendor_id"] = g.vendor_id ? json(fmt::format("{:04x}", *g.vendor_id)) : json(nullptr);
  j["device_id"] = g.device_id ? json(fmt::format("{:04x}", *g.device_id)) : json(nullptr);
  j["parents"] = parents;
  j["types"] = g.types.size();
  j["instances"] = g.instances.size();
  j["notes"] = g.notes;
  return j;
}

json type_json(const mdev::VgpuType& t) {
  json j;
  j["id"] = t.id;
  j["name"] = t.name;
  j["framebuffer_bytes"] = opt(t.framebuffer);
  j["class"] = t.profile_class ? json(std::string(1, *t.profile_class)) : json(nullptr);
  j["heads"] = opt(t.heads);
  j["max_resolution"] = opt(t.max_resolution);
  j["max_instances"] = opt(t.max_instances);
  j["available"] = opt(t.available);
  j["device_api"] = opt(t.device_api);
  j["description"] = opt(t.description);
  j["vendor"] = facts_json(t.vendor);
  return j;
}

json instance_json(const InstanceRow& row) {
  json j;
  j["id"] = row.id;
  j["gpu"] = opt(row.gpu);
  j["parent"] = row.parent;
  j["type"] = row.type_id;
  j["type_name"] = row.type_name;
  j["active"] = row.active;
  j["defined"] = row.definition != nullptr;
  j["start"] = row.definition ? json(row.definition->autostart ? "auto" : "manual") : json(nullptr);
  j["attrs"] = facts_json(row.attrs);
  return j;
}

}  // namespace vgpuctl
