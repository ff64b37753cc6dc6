#include "mdev/mdevctl.hpp"
#include "mdev/steps/mdev_steps.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "mdev/uuid.hpp"
#include "sriov/text.hpp"

namespace mdev {

using sriov::Errc;
using sriov::fail;
using sriov::join_path;

std::string definition_path(std::string_view parent, std::string_view uuid) {
  return join_path(join_path(kMdevctlDir, parent), uuid);
}

std::string definition_json(const Definition& def) {
  nlohmann::ordered_json j;
  j["mdev_type"] = def.type;
  j["start"] = def.autostart ? "auto" : "manual";
  j["attrs"] = nlohmann::ordered_json::array();
  for (const auto& [key, value] : def.attrs) {
    nlohmann::ordered_json attr;
    attr[key] = value;
    j["attrs"].push_back(attr);
  }
  // Bytes that are not UTF-8 (a crafted attribute) must not abort: mdevctl reads what it gets.
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

sriov::Result<Definition> parse_definition(std::string_view text, std::string parent,
                                           std::string uuid) {
  Definition def;
  def.parent = std::move(parent);
  def.uuid = std::move(uuid);
  def.path = definition_path(def.parent, def.uuid);
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input, fmt::format("{}: {}", def.path, why), def.path);
  };
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return bad("not a JSON object");
  if (!j.contains("mdev_type") || !j["mdev_type"].is_string())
    return bad("no \"mdev_type\" string");
  def.type = j["mdev_type"].get<std::string>();
  if (j.contains("start")) {
    if (!j["start"].is_string()) return bad("\"start\" is not a string");
    auto start = j["start"].get<std::string>();
    if (start != "auto" && start != "manual")
      return bad(fmt::format("\"start\" is '{}', not auto or manual", start));
    def.autostart = start == "auto";
  }
  if (j.contains("attrs")) {
    if (!j["attrs"].is_array()) return bad("\"attrs\" is not an array");
    for (const auto& attr : j["attrs"]) {
      if (!attr.is_object() || attr.size() != 1 || !attr.begin().value().is_string())
        return bad("every \"attrs\" entry must be one \"name\": \"value\" pair");
      def.attrs.emplace_back(attr.begin().key(), attr.begin().value().get<std::string>());
    }
  }
  return def;
}

std::vector<Definition> read_definitions(const sriov::Sysfs& sysfs,
                                         std::vector<std::string>& warnings) {
  std::vector<Definition> defs;
  for (const auto& parent : sysfs.list(kMdevctlDir)) {
    std::string dir = join_path(kMdevctlDir, parent);
    if (parent == "scripts.d" || !sysfs.is_dir(dir)) continue;
    for (const auto& name : sysfs.list(dir)) {
      if (!mdev::Uuid::parse(name)) continue;
      std::string path = join_path(dir, name);
      auto text = sysfs.read(path);
      if (!text) {
        warnings.push_back(text.error().message);
        continue;
      }
      auto def = parse_definition(*text, parent, name);
      if (!def) {
        warnings.push_back(def.error().message + " (ignored)");
        continue;
      }
      def->content = *text;
      defs.push_back(std::move(*def));
    }
  }
  return defs;
}

const Definition* find_definition(const std::vector<Definition>& defs, std::string_view uuid) {
  for (const auto& d : defs)
    if (d.uuid == uuid) return &d;
  return nullptr;
}

namespace {

// The mdev parent a PARENT argument names for a definition (one slot; canonical spelling).
struct DefineTarget {
  std::string parent;
  const Gpu* gpu = nullptr;
  const Slot* slot = nullptr;
};

sriov::Result<DefineTarget> define_target(const VgpuHost& host, std::string_view spec) {
  auto target = find_target(host, spec);
  if (!target) {
    if (target.error().code != Errc::not_found) return tl::unexpected(target.error());
    // Not present (a VF not created yet, a driver not loaded): define it anyway, like mdevctl.
    std::string name(spec);
    if (sriov::PciAddress::looks_like(spec)) name = sriov::PciAddress::parse(spec)->str();
    // A device name as the kernel makes them (letters, digits, "_.:-"; mdevctl's directory
    // name): a control character or stray byte here would be a directory under /etc forever.
    bool plain = !name.empty() && name.size() <= 64 &&
                 name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                        "0123456789_.:-") == std::string::npos;
    if (!plain || name == "." || name == ".." || name == "scripts.d")
      return fail(Errc::invalid_input,
                  fmt::format("'{}' is not an mdev parent name (a PCI address, or a device name "
                              "of letters, digits and _.:- such as mbochs)",
                              sriov::escape(spec, true)));
    return DefineTarget{name, nullptr, nullptr};
  }
  const Gpu* gpu = target->gpu;
  if (gpu->backend != Backend::mdev)
    return fail(Errc::unsupported,
                fmt::format("{} ({}) creates vGPUs without mdev: mdevctl definitions do not apply",
                            gpu->id, gpu->handler));
  const Slot* slot = target->slot;
  if (!slot) {
    if (gpu->slots.size() != 1)
      return fail(Errc::invalid_input,
                  fmt::format("{} has {} mdev parents (its VFs): name one of them", gpu->id,
                              gpu->slots.size()));
    slot = &gpu->slots.front();
  }
  return DefineTarget{slot->id, gpu, slot};
}

}  // namespace

sriov::Result<sriov::Plan> plan_define(const VgpuHost& host, const std::vector<Definition>& defs,
                                       const DefineRequest& r) {
  auto target = define_target(host, r.parent);
  if (!target) return tl::unexpected(target.error());
  if (const auto* d = find_definition(defs, r.uuid))
    return fail(Errc::refused,
                fmt::format("{} is defined already (type {} on {}, in {}); undefine it first",
                            r.uuid, d->type, d->parent, d->path),
                d->path);
  Definition def;
  def.uuid = r.uuid;
  def.parent = target->parent;
  def.type = r.type;
  def.autostart = r.autostart;
  def.path = definition_path(def.parent, def.uuid);
  sriov::Plan plan;
  if (target->gpu) {
    const auto* type = target->gpu->find_type(r.type);
    if (!type || !target->slot->find_offer(type->id))
      return fail(Errc::not_found, fmt::format("{} offers no type '{}' (see 'vgpuctl types {}')",
                                               target->parent, r.type, target->parent));
    def.type = type->id;
    auto [gpu, running] = host.find_instance(r.uuid);
    if (running && (running->slot != def.parent || running->type_id != def.type))
      return fail(Errc::refused,
                  fmt::format("{} is running as {} on {}; a definition must match it", r.uuid,
                              running->type_id, running->slot));
    if (running)
      plan.notes.push_back(
          fmt::format("{} is running: the definition makes it "
                      "persistent",
                      r.uuid));
  } else {
    plan.notes.push_back(
        fmt::format("parent {} is not present: the type is not checked", def.parent));
  }
  plan.summary = fmt::format("define {} ({} on {}, start {})", def.uuid, def.type, def.parent,
                             def.autostart ? "auto" : "manual");
  plan.steps.push_back(mdev::WriteConfigFile{def.path, std::nullopt, definition_json(def),
                                              "mdevctl definition of " + def.uuid, def.parent});
  return plan;
}

sriov::Result<sriov::Plan> plan_undefine(const std::vector<Definition>& defs,
                                         const std::string& uuid, const std::string& content) {
  const auto* d = find_definition(defs, uuid);
  if (!d)
    return fail(Errc::not_found,
                fmt::format("{} is not defined (no file {}/*/{})", uuid, kMdevctlDir, uuid));
  sriov::Plan plan;
  plan.summary = fmt::format("undefine {} ({} on {})", uuid, d->type, d->parent);
  plan.steps.push_back(mdev::WriteConfigFile{d->path, content, std::nullopt,
                                              "mdevctl definition of " + uuid, d->parent});
  return plan;
}

namespace {

sriov::Status check_startable(const VgpuHost& host, const Definition& d) {
  if (!d.attrs.empty())
    return fail(Errc::unsupported,
                fmt::format("{} has attributes ({} ...), which vgpuctl does not apply yet: start "
                            "it with 'mdevctl start -u {}'",
                            d.uuid, d.attrs.front().first, d.uuid),
                d.path);
  auto target = find_target(host, d.parent);
  if (!target || target->gpu->backend != Backend::mdev)
    return fail(Errc::not_found, fmt::format("parent {} of {} is not present", d.parent, d.uuid));
  const Slot* slot = target->slot ? target->slot : target->gpu->find_slot(d.parent);
  if (!slot || !slot->find_offer(d.type))
    return fail(Errc::not_found,
                fmt::format("{} offers no type {} (definition {})", d.parent, d.type, d.path),
                d.path);
  return {};
}

}  // namespace

sriov::Result<StartPlan> plan_start(const VgpuHost& host, const std::vector<Definition>& defs,
                                    const std::vector<std::string>& uuids, bool all_auto) {
  StartPlan out;
  std::vector<const Definition*> wanted;
  if (all_auto) {
    for (const auto& d : defs)
      if (d.autostart) wanted.push_back(&d);
  } else {
    for (const auto& u : uuids) {
      const auto* d = find_definition(defs, u);
      if (!d) {
        if (host.find_instance(u).second) {
          out.plan.notes.push_back(fmt::format("{} is running (and not defined)", u));
          continue;
        }
        return fail(Errc::not_found, fmt::format("{} is not defined (see 'vgpuctl list')", u));
      }
      if (std::find(wanted.begin(), wanted.end(), d) == wanted.end()) wanted.push_back(d);
    }
  }
  std::map<std::pair<std::string, std::string>, unsigned> per_offer;  // (parent, type) -> n
  std::map<const Gpu*, std::set<std::string>> types_on_gpu;
  for (const auto* d : wanted) {
    if (auto [gpu, inst] = host.find_instance(d->uuid); inst) {
      out.plan.notes.push_back(fmt::format("{} is running already", d->uuid));
      continue;
    }
    auto ok = check_startable(host, *d);
    if (ok) {
      auto target = find_target(host, d->parent);
      const Gpu* gpu = target->gpu;
      const Slot* slot = target->slot ? target->slot : gpu->find_slot(d->parent);
      const TypeOffer* offer = slot->find_offer(d->type);
      unsigned& n = per_offer[{d->parent, d->type}];
      std::set<std::string> types = types_on_gpu[gpu];
      for (const auto& i : gpu->instances) types.insert(i.type_id);
      types.insert(d->type);
      if (offer->available && n + 1 > *offer->available) {
        ok =
            fail(Errc::refused, fmt::format("{}: {} more {} do not fit on {} ({} available)",
                                            d->uuid, n + 1, d->type, d->parent, *offer->available));
      } else if (gpu->mixing == Mixing::same_type && types.size() > 1) {
        ok = fail(Errc::refused,
                  fmt::format("{}: {} cannot run next to {} on GPU {} (one type per GPU)", d->uuid,
                              d->type,
                              *std::find_if(types.begin(), types.end(),
                                            [&](const std::string& t) { return t != d->type; }),
                              gpu->id));
      } else {
        ++n;
        types_on_gpu[gpu] = types;
        out.plan.steps.push_back(mdev::CreateMdev{d->parent, d->type, offer->path, d->uuid});
        continue;
      }
    }
    bool missing = ok.error().code == Errc::not_found && !find_target(host, d->parent);
    if (missing && std::find(out.missing_parents.begin(), out.missing_parents.end(), d->parent) ==
                       out.missing_parents.end())
      out.missing_parents.push_back(d->parent);
    if (!all_auto) return tl::unexpected(ok.error());
    out.skipped.push_back(ok.error());
  }
  out.plan.summary = fmt::format("start {} defined vGPU{}", out.plan.steps.size(),
                                 out.plan.steps.size() == 1 ? "" : "s");
  if (all_auto && wanted.empty()) out.plan.notes.push_back("no definition has \"start\": \"auto\"");
  return out;
}

}  // namespace mdev
