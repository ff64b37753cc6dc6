#include "mdev/profile_export.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "sriov/vf_config.hpp"
#include "sriov/vf_spec.hpp"

namespace mdev {
namespace {

using Json = nlohmann::ordered_json;

// What one VF entry sets, MAC aside: VFs in one entry must agree on all of it.
Json vf_keys(const sriov::VirtualFunction& vf, const sriov::VfSettings* s) {
  Json keys = Json::object();
  if (s) {
    keys[sriov::vf_key::vlan] = s->vlan;
    keys[sriov::vf_key::qos] = s->qos;
    keys[sriov::vf_key::vlan_proto] = std::string(sriov::name(s->vlan_proto));
    keys[sriov::vf_key::min_rate] = s->min_rate;
    keys[sriov::vf_key::max_rate] = s->max_rate;
    if (s->spoofchk) keys[sriov::vf_key::spoofchk] = *s->spoofchk;
    if (s->trust) keys[sriov::vf_key::trust] = *s->trust;
    keys[sriov::vf_key::link_state] = std::string(sriov::name(s->link_state));
    if (s->query_rss) keys[sriov::vf_key::query_rss] = *s->query_rss;
  }
  if (vf.driver) keys["driver"] = *vf.driver;
  return keys;
}

struct Run {
  std::vector<unsigned> ids;
  sriov::MacAddress first_mac;  // zero: the run sets no MAC
  Json keys;
};

// May VF `index` with `mac` extend the run (mac-from: first + offset from the first index)?
bool continues(const Run& run, unsigned index, const sriov::MacAddress& mac, const Json& keys) {
  if (keys != run.keys || index != run.ids.back() + 1) return false;
  if (run.first_mac.is_zero()) return mac.is_zero();
  auto expected = run.first_mac.plus(index - run.ids.front());
  return expected && *expected == mac;
}

Json vf_entry(const Run& run) {
  Json entry = {{"id", sriov::format_vf_ranges(run.ids)}};
  if (!run.first_mac.is_zero())
    entry[run.ids.size() == 1 ? sriov::vf_key::mac : sriov::vf_key::mac_from] = run.first_mac.str();
  for (const auto& [key, value] : run.keys.items()) entry[key] = value;
  return entry;
}

Json vf_entries(const ExportedPf& e) {
  std::vector<Run> runs;
  for (const auto& vf : e.vfs) {
    const sriov::VfSettings* s = nullptr;
    if (e.settings && vf.index < e.settings->vfs.size()) s = &e.settings->vfs[vf.index].settings;
    sriov::MacAddress mac = s ? s->mac : sriov::MacAddress{};
    Json keys = vf_keys(vf, s);
    if (!runs.empty() && continues(runs.back(), vf.index, mac, keys)) {
      runs.back().ids.push_back(vf.index);
      continue;
    }
    runs.push_back({{vf.index}, mac, std::move(keys)});
  }
  Json list = Json::array();
  for (const auto& run : runs)
    if (!run.keys.empty() || !run.first_mac.is_zero()) list.push_back(vf_entry(run));
  return list;
}

// start: only when writing it changes no definition: every instance has one, all of one
// mode, and the GPU has no definition that the entry would remove (one of its type that is
// not running; on a one-type GPU, one of another type).
std::optional<std::string> start_mode(const GpuHostView& view, const Gpu& gpu,
                                      const std::string& type,
                                      const std::vector<const VgpuInstance*>& instances) {
  std::optional<bool> autostart;
  size_t defined = 0;
  for (const auto& def : view.definitions) {
    if (def.parent != gpu.id && !gpu.find_slot(def.parent)) continue;
    bool running = std::any_of(instances.begin(), instances.end(),
                               [&](const auto* i) { return i->id == def.uuid; });
    if (def.type != type) {
      if (gpu.mixing == Mixing::same_type) return std::nullopt;
      continue;
    }
    if (!running || (autostart && *autostart != def.autostart)) return std::nullopt;
    autostart = def.autostart;
    ++defined;
  }
  if (!autostart || defined != instances.size()) return std::nullopt;
  return *autostart ? "auto" : "manual";
}

Json gpu_entries(const GpuHostView& view) {
  Json list = Json::array();
  for (const auto& gpu : view.host.gpus) {
    if (gpu.backend == Backend::listing) continue;
    std::vector<std::pair<std::string, std::vector<const VgpuInstance*>>> by_type;
    for (const auto& in : gpu.instances) {
      auto it = std::find_if(by_type.begin(), by_type.end(),
                             [&](const auto& t) { return t.first == in.type_id; });
      if (it == by_type.end()) it = by_type.insert(by_type.end(), {in.type_id, {}});
      it->second.push_back(&in);
    }
    for (const auto& [type, instances] : by_type) {
      Json entry = {{"gpu", gpu.id}, {"type", type}, {"count", instances.size()}};
      if (gpu.backend == Backend::mdev) {  // NVIDIA VFs are named by address: no UUIDs
        Json uuids = Json::array();
        for (const auto* in : instances) uuids.push_back(in->id);
        entry["uuids"] = std::move(uuids);
        if (auto start = start_mode(view, gpu, type, instances)) entry["start"] = *start;
      }
      list.push_back(std::move(entry));
    }
  }
  return list;
}

bool plain(const Json& v) { return !v.is_object() && !v.is_array(); }

void emit(const Json& value, int indent, std::string& out);

// A mapping's entries, the first one after `lead` (a list's "- "), the others indented.
void emit_map(const Json& map, int indent, std::string& out, bool first_inline) {
  bool first = true;
  for (const auto& [key, v] : map.items()) {
    if (!(first && first_inline)) out += std::string(indent, ' ');
    first = false;
    out += key + ":";
    if (plain(v) || v.empty()) {  // an empty list or map dumps as [] or {}
      out += " " + v.dump() + "\n";
    } else {
      out += "\n";
      emit(v, indent + 2, out);
    }
  }
}

void emit(const Json& value, int indent, std::string& out) {
  if (value.is_object()) return emit_map(value, indent, out, false);
  for (const auto& item : value) {
    out += std::string(indent, ' ') + "- ";
    if (item.is_object() && !item.empty()) emit_map(item, indent + 2, out, true);
    else out += item.dump() + "\n";
  }
}

}  // namespace

nlohmann::ordered_json export_profile(const std::vector<ExportedPf>& pfs,
                                      const GpuHostView* gpus) {
  Json nics = Json::array();
  for (const auto& e : pfs) {
    Json nic = {{"pf", e.pf.id}, {"num-vfs", e.pf.num_vfs}};
    if (e.pf.drivers_autoprobe) nic["drivers-autoprobe"] = *e.pf.drivers_autoprobe;
    if (auto vfs = vf_entries(e); !vfs.empty()) nic["vfs"] = std::move(vfs);
    nics.push_back(std::move(nic));
  }
  Json profile = {{"version", 1}, {"nics", std::move(nics)}};
  if (gpus) profile["gpus"] = gpu_entries(*gpus);
  return profile;
}

std::string profile_yaml(const nlohmann::ordered_json& profile) {
  std::string out;
  emit(profile, 0, out);
  return out;
}

}  // namespace mdev
