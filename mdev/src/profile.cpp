// Planning a profile's gpus entries: on each GPU an entry selects, exactly `count` instances
// of its type. Removals first (they free room), then creations, with mdevctl definitions
// written or removed when the entry says `start:`.
#include "mdev/profile.hpp"
#include "mdev/steps/mdev_steps.hpp"
#include "text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <set>

#include "mdev/planner.hpp"
#include "mdev/size.hpp"

namespace mdev {


sriov::Result<GpuHostView> read_gpu_host_view(const sriov::Sysfs& sysfs) {
  auto host = scan_vgpu_host(sysfs);
  if (!host) return tl::unexpected(host.error());
  GpuHostView view;
  view.host = std::move(*host);
  view.definitions = read_definitions(sysfs, view.warnings);
  return view;
}

std::vector<const Gpu*> select_gpus(const VgpuHost& host, const GpuSelector& s) {
  std::vector<const Gpu*> out;
  if (s.gpu) {
    auto target = find_target(host, *s.gpu);
    if (target && !target->slot && target->gpu->backend != Backend::listing)
      out.push_back(target->gpu);
    return out;
  }
  for (const auto& g : host.gpus) {
    if (g.backend == Backend::listing) continue;
    if (s.vendor_id && g.vendor_id != s.vendor_id) continue;
    if (s.device_id && g.device_id != s.device_id) continue;
    out.push_back(&g);
  }
  return out;
}

bool profile_gpus_present(const VgpuHost& host, const Profile& profile) {
  return std::all_of(profile.gpus.begin(), profile.gpus.end(),
                     [&](const GpuEntry& e) { return !select_gpus(host, e.select).empty(); });
}

namespace {

using text::plural;

// One entry's wish for one GPU.
struct Want {
  const GpuEntry* entry = nullptr;
  const VgpuType* type = nullptr;
  size_t steps = 0;  // steps planned for it
};

struct GpuWants {
  const Gpu* gpu = nullptr;
  std::vector<Want> wants;
};

// The steps of one GPU, in the order they run.
struct GpuSteps {
  std::vector<sriov::Step> removals, undefines, creations, defines;
};

class GpuPlanner {
 public:
  GpuPlanner(const GpuHostView& view, const GpuProfileRequest& request)
      : view_(view), host_(view.host), request_(request) {}

  void entry(const GpuEntry& e);
  void plan_all();

  sriov::ProfileDraft draft;

 private:
  void problem(const sriov::SourcePos& pos, const std::string& message) {
    draft.problems.push_back(pos.str() + ": " + message);
  }
  void absent(const GpuEntry& e, const std::string& name, const std::string& message) {
    draft.devices.push_back({"gpu", name, 0, 0, e.count, 0, e.pos.str() + ": " + message});
  }
  std::vector<const Gpu*> entry_gpus(const GpuEntry& e);
  const VgpuType* resolve_type(const GpuEntry& e, const Gpu& g);
  void add_want(const GpuEntry& e, const Gpu& g, const VgpuType& t);

  void plan_gpu(GpuWants& w);
  std::vector<const VgpuInstance*> keep_order(const Gpu& g, const Want& want) const;
  void remove(const Gpu& g, Want& want, const std::vector<const VgpuInstance*>& victims,
              const std::string& why, GpuSteps& out);
  void plan_removals(const Gpu& g, Want& want, GpuSteps& out);
  // UUIDs for new instances, in the order they are used: the entry's, then definitions of the
  // type on the GPU that are not running (fresh ones come after).
  struct Source {
    std::string uuid;
    const Definition* def = nullptr;
    sriov::SourcePos pos;
  };
  std::vector<Source> uuid_sources(const Gpu& g, const Want& want);
  void plan_creations(const Gpu& g, Want& want, GpuSteps& out);
  void plan_definitions(const Gpu& g, Want& want,
                        const std::vector<std::pair<std::string, std::string>>& instances,
                        GpuSteps& out);
  std::optional<unsigned> room(const Gpu& g, const Slot& s, const VgpuType& t);
  bool removes_on(const Slot& s) const;
  bool replaced_definition(const Gpu& g, const Want& want, const Definition& d) const;

  const Definition* definition(std::string_view uuid) const {
    return find_definition(view_.definitions, uuid);
  }
  bool on_gpu(const Gpu& g, const std::string& parent) const { return g.find_slot(parent); }

  const GpuHostView& view_;
  const VgpuHost& host_;
  GpuProfileRequest request_;
  std::vector<GpuWants> gpus_;
  std::set<std::string> removing_;         // instance ids this plan removes
  std::map<const Slot*, unsigned> taken_;  // instances this plan creates per slot
  std::set<const Gpu*> unknown_room_noted_;
};

std::vector<const Gpu*> GpuPlanner::entry_gpus(const GpuEntry& e) {
  if (!e.select.gpu) {
    auto gpus = select_gpus(host_, e.select);
    if (gpus.empty()) {
      std::vector<std::string> known;
      for (const auto& g : host_.gpus)
        if (g.backend != Backend::listing)
          known.push_back(g.vendor_id && g.device_id
                              ? fmt::format("{} [{:04x}:{:04x}]", g.id, *g.vendor_id, *g.device_id)
                              : g.id);
      absent(e, e.select.str(),
             fmt::format("{} matches no vGPU-capable GPU of this host ({})", e.select.str(),
                         known.empty() ? "it has none"
                                       : "GPUs: " + fmt::format("{}", fmt::join(known, ", "))));
    }
    return gpus;
  }
  auto target = find_target(host_, *e.select.gpu);
  if (!target && target.error().code == sriov::Errc::not_found) {
    absent(e, *e.select.gpu, "gpu: " + target.error().message);
    return {};
  }
  if (!target) {
    problem(e.pos, "gpu: " + target.error().message);
    return {};
  }
  if (target->slot) {
    problem(e.pos, fmt::format("gpu: {} is a VF of GPU {}, and an entry counts the instances of "
                               "a whole GPU: name the GPU",
                               *e.select.gpu, target->gpu->id));
    return {};
  }
  if (target->gpu->backend == Backend::listing) {
    problem(e.pos, fmt::format("gpu: GPU {} ({}) has no vGPU types to create: its VFs are made "
                               "with num-vfs in a nics entry",
                               target->gpu->id, target->gpu->handler));
    return {};
  }
  return {target->gpu};
}

// Types come sorted by scan_vgpu_host: smallest framebuffer first, then Q, B, A, C, then name.
const VgpuType* GpuPlanner::resolve_type(const GpuEntry& e, const Gpu& g) {
  if (e.type) {
    if (const auto* t = g.find_type(*e.type)) return t;
    std::vector<std::string> ids;
    for (const auto& t : g.types) ids.push_back(t.name == t.id ? t.id : t.name);
    problem(e.type_pos,
            fmt::format(
                "type '{}': GPU {} offers no such type ({}; see 'vgpuctl types {}')", *e.type, g.id,
                ids.empty() ? "it offers none" : fmt::format("{}", fmt::join(ids, ", ")), g.id));
    return nullptr;
  }
  const VgpuType* largest = nullptr;
  for (const auto& t : g.types) {
    if (!t.framebuffer) continue;
    if (*t.framebuffer >= *e.framebuffer) return &t;
    if (!largest || *t.framebuffer > *largest->framebuffer) largest = &t;
  }
  problem(e.type_pos,
          fmt::format("framebuffer {}: no type of GPU {} has that much ({})",
                      mdev::format_size(*e.framebuffer), g.id,
                      largest ? fmt::format("the largest is {} with {}", label(*largest),
                                            mdev::format_size(*largest->framebuffer))
                              : std::string("no type reports its framebuffer size")));
  return nullptr;
}

void GpuPlanner::add_want(const GpuEntry& e, const Gpu& g, const VgpuType& t) {
  auto it =
      std::find_if(gpus_.begin(), gpus_.end(), [&](const GpuWants& w) { return w.gpu == &g; });
  if (it == gpus_.end()) {
    gpus_.push_back({&g, {}});
    it = gpus_.end() - 1;
  }
  for (const auto& other : it->wants) {
    if (other.type->id == t.id) {
      problem(e.pos, fmt::format("GPU {}: {} is also configured by the entry at {}", g.id,
                                 label(t), other.entry->pos.str()));
      return;
    }
    if (g.mixing == Mixing::same_type && e.count > 0 && other.entry->count > 0) {
      problem(e.pos,
              fmt::format("GPU {} runs one vGPU type at a time: this entry gives it {}, "
                          "the entry at {} {}",
                          g.id, label(t), other.entry->pos.str(), label(*other.type)));
      return;
    }
  }
  it->wants.push_back({&e, &t, 0});
  if (e.framebuffer) {
    std::string size = mdev::format_size(*t.framebuffer);
    draft.plan.notes.push_back(
        fmt::format("{}: framebuffer {}: {} is the smallest type with at least that much", g.id,
                    mdev::format_size(*e.framebuffer),
                    t.name == t.id ? fmt::format("{} ({})", t.id, size)
                                   : fmt::format("{} ({}, {})", t.name, t.id, size)));
  }
}

void GpuPlanner::entry(const GpuEntry& e) {
  auto gpus = entry_gpus(e);
  if (gpus.size() > 1 && !e.uuids.empty())
    problem(e.uuids_pos, fmt::format("uuids: this entry selects {} GPUs, which cannot share "
                                     "UUIDs; give each GPU its own entry (gpu:)",
                                     gpus.size()));
  for (const Gpu* g : gpus) {
    if (g->backend == Backend::nvidia_vfio) {
      if (e.autostart)
        problem(e.start_pos, fmt::format("start: GPU {} ({}) makes its vGPUs on VFs, without "
                                         "mdev: there is nothing for mdevctl to define; drop "
                                         "start",
                                         g->id, g->handler));
      if (!e.uuids.empty())
        problem(e.uuids_pos, fmt::format("uuids: the vGPUs of GPU {} ({}) are named by their VF "
                                         "addresses, not by UUIDs; drop uuids",
                                         g->id, g->handler));
    }
    if (const VgpuType* t = resolve_type(e, *g)) add_want(e, *g, *t);
  }
}

// Which running instances of the type to keep: those held open, then those the entry names,
// then those with a definition, then by id. The rest are removed.
std::vector<const VgpuInstance*> GpuPlanner::keep_order(const Gpu& g, const Want& want) const {
  std::vector<const VgpuInstance*> running;
  for (const auto& i : g.instances)
    if (i.type_id == want.type->id) running.push_back(&i);
  auto rank = [&](const VgpuInstance* i) {
    const auto& uuids = want.entry->uuids;
    bool named = std::any_of(uuids.begin(), uuids.end(), [&](auto& u) { return u.uuid == i->id; });
    return std::make_tuple(i->holders.empty() ? 1 : 0, named ? 0 : 1,
                           definition(i->id) ? 0 : 1, i->id);
  };
  std::sort(running.begin(), running.end(),
            [&](const VgpuInstance* a, const VgpuInstance* b) { return rank(a) < rank(b); });
  return running;
}

void GpuPlanner::remove(const Gpu& g, Want& want, const std::vector<const VgpuInstance*>& victims,
                        const std::string& why, GpuSteps& out) {
  std::vector<std::string> ids;
  for (const auto* i : victims) {
    if (!i->holders.empty())
      draft.refusals.push_back(fmt::format(
          "{}: GPU {}: {} ({}) would be removed, but {}; stop it first", want.entry->pos.str(),
          g.id, i->id, i->type_name, sriov::describe(i->holders.front())));
    ids.push_back(i->id);
    removing_.insert(i->id);
    auto step = remove_step(g, *i);
    if (!step) {
      problem(want.entry->pos, step.error().message);
      continue;
    }
    out.removals.push_back(std::move(*step));
    ++want.steps;
  }
  if (!request_.allow_disruption && !ids.empty())
    draft.refusals.push_back(fmt::format(
        "{}: GPU {}: {} removes {} ({}); pass --allow-disruption", want.entry->pos.str(), g.id, why,
        plural(ids.size(), "running instance"), fmt::join(ids, ", ")));
}

void GpuPlanner::plan_removals(const Gpu& g, Want& want, GpuSteps& out) {
  unsigned count = want.entry->count;
  auto running = keep_order(g, want);
  if (running.size() > count) {
    std::vector<const VgpuInstance*> extra(running.begin() + count, running.end());
    std::erase_if(extra, [&](const VgpuInstance* i) { return removing_.count(i->id); });
    remove(g, want, extra,
           fmt::format("count {} of {} ({} running)", count, label(*want.type), running.size()),
           out);
  }
  if (count == 0 || g.mixing != Mixing::same_type) return;
  std::vector<const VgpuInstance*> others;
  std::set<std::string> names;
  for (const auto& i : g.instances)
    if (i.type_id != want.type->id && !removing_.count(i.id)) {
      others.push_back(&i);
      names.insert(i.type_name);
    }
  if (others.empty()) return;
  remove(g, want, others,
         fmt::format("changing it from {} to {}, as it runs one vGPU type at a time,",
                     fmt::join(names, ", "), label(*want.type)),
         out);
}

// With start: on a GPU that runs one type at a time, a nonzero count makes every definition of
// another type on the GPU obsolete, unless its instance runs on (it is not removed).
bool GpuPlanner::replaced_definition(const Gpu& g, const Want& want, const Definition& d) const {
  if (!want.entry->autostart || want.entry->count == 0 || g.mixing != Mixing::same_type)
    return false;
  if (!on_gpu(g, d.parent) || d.type == want.type->id) return false;
  auto [gpu, inst] = host_.find_instance(d.uuid);
  return !inst || removing_.count(inst->id);
}

bool GpuPlanner::removes_on(const Slot& s) const {
  for (const auto& g : host_.gpus)
    for (const auto& i : g.instances)
      if (i.slot == s.id && removing_.count(i.id)) return true;
  return false;
}

// How many more instances of t the slot takes; nullopt: not known in advance.
std::optional<unsigned> GpuPlanner::room(const Gpu& g, const Slot& s, const VgpuType& t) {
  unsigned taken = taken_.count(&s) ? taken_[&s] : 0;
  if (g.backend == Backend::nvidia_vfio) {
    // One vGPU per VF. A VF lists the types it can take only once the GPU's other vGPUs are
    // gone, so one this plan frees, or any while it removes some, is assumed to take it.
    bool freed = s.current_type == 0 ||
                 std::any_of(g.instances.begin(), g.instances.end(),
                             [&](auto& i) { return i.slot == s.id && removing_.count(i.id); });
    bool offers = s.find_offer(t.id) || std::any_of(g.instances.begin(), g.instances.end(),
                                                    [&](auto& i) { return removing_.count(i.id); });
    return freed && offers && taken == 0 ? 1u : 0u;
  }
  const TypeOffer* offer = s.find_offer(t.id);
  if (!offer) return 0u;
  if (!offer->available || removes_on(s)) return std::nullopt;  // the kernel decides
  return *offer->available > taken ? *offer->available - taken : 0u;
}

std::vector<GpuPlanner::Source> GpuPlanner::uuid_sources(const Gpu& g, const Want& want) {
  const GpuEntry& e = *want.entry;
  const VgpuType& t = *want.type;
  std::vector<Source> sources;
  if (g.backend != Backend::mdev) return sources;  // VF addresses name those instances
  for (const auto& u : e.uuids) {
    auto [gpu, inst] = host_.find_instance(u.uuid);
    // An instance of the GPU's old type that this plan removes: the UUID is free again.
    bool replaced = inst && gpu == &g && inst->type_id != t.id && removing_.count(inst->id);
    if (inst && !replaced) {
      if (gpu != &g || inst->type_id != t.id || removing_.count(inst->id))
        problem(u.pos, fmt::format("{} is running already as {} on {}", u.uuid, inst->type_name,
                                   inst->slot));
      continue;  // one of the kept instances
    }
    if (std::any_of(host_.stray.begin(), host_.stray.end(),
                    [&](const MdevDevice& d) { return d.uuid == u.uuid; })) {
      problem(u.pos, fmt::format("an mdev {} exists already", u.uuid));
      continue;
    }
    const Definition* d = definition(u.uuid);
    if (d && replaced_definition(g, want, *d)) d = nullptr;  // rewritten for the new type
    if (d && (!on_gpu(g, d->parent) || d->type != t.id)) {
      problem(u.pos, fmt::format("{} is defined as {} on {} ({}): undefine it, or leave it "
                                 "out of uuids",
                                 u.uuid, d->type, d->parent, d->path));
      continue;
    }
    sources.push_back({u.uuid, d, u.pos});
  }
  for (const auto& d : view_.definitions) {
    if (!on_gpu(g, d.parent) || d.type != t.id || host_.find_instance(d.uuid).second) continue;
    if (std::none_of(sources.begin(), sources.end(), [&](auto& s) { return s.uuid == d.uuid; }))
      sources.push_back({d.uuid, &d, e.pos});
  }
  return sources;
}

void GpuPlanner::plan_creations(const Gpu& g, Want& want, GpuSteps& out) {
  const GpuEntry& e = *want.entry;
  const VgpuType& t = *want.type;
  std::vector<std::pair<std::string, std::string>> kept;  // (instance id, slot)
  for (const auto* i : keep_order(g, want))
    if (!removing_.count(i->id)) kept.emplace_back(i->id, i->slot);
  size_t need = e.count > kept.size() ? e.count - kept.size() : 0;
  if (need > 0 && t.max_instances && e.count > *t.max_instances) {
    problem(e.count_pos, fmt::format("count {}: GPU {} takes at most {} of {} (max_instance)",
                                     e.count, g.id, *t.max_instances, label(t)));
    return;
  }

  auto sources = uuid_sources(g, want);
  std::vector<std::pair<std::string, std::string>> created;  // (instance id, slot)
  bool unknown = false;
  auto place = [&](const Slot& s) {
    auto r = room(g, s, t);
    if (!r) unknown = true;
    if (r && *r == 0) return false;
    ++taken_[&s];
    return true;
  };
  size_t next_source = 0;
  for (size_t n = 0; n < need; ++n) {
    std::string uuid;
    const Definition* def = nullptr;
    if (g.backend == Backend::mdev && next_source < sources.size()) {
      const Source& src = sources[next_source++];
      if (src.def && !src.def->attrs.empty()) {
        problem(src.pos, fmt::format("GPU {}: the definition {} has attributes, which sriovctl "
                                     "does not apply when it starts an instance: start it with "
                                     "'mdevctl start -u {}' first, or undefine it",
                                     g.id, src.def->path, src.uuid));
        return;
      }
      uuid = src.uuid;
      def = src.def;
    } else if (g.backend == Backend::mdev) {
      auto fresh = request_.fresh_uuid ? request_.fresh_uuid()
                                       : sriov::fail(sriov::Errc::io, "no source of new UUIDs");
      if (!fresh) {
        problem(e.pos, fresh.error().message);
        return;
      }
      uuid = *fresh;
    }
    const Slot* slot = nullptr;
    if (def) {  // a defined instance starts where its definition says
      const Slot* s = g.find_slot(def->parent);
      if (s && place(*s)) slot = s;
    } else {
      for (const auto& s : g.slots)
        if (place(s)) {
          slot = &s;
          break;
        }
    }
    if (!slot) {
      problem(e.count_pos,
              fmt::format("count {}: GPU {} has room for {} more {}, not {} ({} running{})",
                          e.count, g.id, n, label(t), need, kept.size(),
                          removing_.empty() ? "" : "; after the removals of this plan"));
      return;
    }
    if (g.backend == Backend::nvidia_vfio) {
      out.creations.push_back(mdev::SetVgpuType{slot->id, slot->path, 0,
                                                 static_cast<unsigned>(std::stoul(t.id)), t.name});
      created.emplace_back(slot->id, slot->id);
    } else {
      out.creations.push_back(
          mdev::CreateMdev{slot->id, t.id, slot->find_offer(t.id)->path, uuid});
      created.emplace_back(uuid, slot->id);
    }
    ++want.steps;
  }
  if (unknown && unknown_room_noted_.insert(&g).second)
    draft.plan.notes.push_back(fmt::format(
        "{}: the room for new instances is not known before they are made (removals free some, "
        "or the driver does not report available_instances): the kernel decides, and a failure "
        "undoes the whole apply",
        g.id));
  if (g.backend == Backend::mdev && e.autostart) {
    kept.insert(kept.end(), created.begin(), created.end());
    plan_definitions(g, want, kept, out);
  }
}

// With start: the entry's instances, and only those, are defined for this type on the GPU;
// on a GPU that runs one type at a time, definitions of other types go too.
void GpuPlanner::plan_definitions(const Gpu& g, Want& want,
                                  const std::vector<std::pair<std::string, std::string>>& instances,
                                  GpuSteps& out) {
  const GpuEntry& e = *want.entry;
  const VgpuType& t = *want.type;
  std::set<std::string> wanted;
  for (const auto& [uuid, slot] : instances) {
    wanted.insert(uuid);
    Definition def;
    def.uuid = uuid;
    def.parent = slot;
    def.type = t.id;
    def.autostart = *e.autostart;
    def.path = definition_path(slot, uuid);
    const Definition* now = definition(uuid);
    bool replaced = now && now->parent == slot && replaced_definition(g, want, *now);
    if (now && !replaced && (now->parent != slot || now->type != t.id)) {
      problem(e.pos, fmt::format("GPU {}: {} runs as {} on {}, but its definition {} says {} on "
                                 "{}: fix or undefine it",
                                 g.id, uuid, t.id, slot, now->path, now->type, now->parent));
      continue;
    }
    if (now && !replaced && now->autostart == def.autostart) continue;
    std::optional<std::string> from;
    if (now) {
      if (!replaced) def.attrs = now->attrs;  // another type's attributes do not carry over
      from = now->content.empty() ? definition_json(*now) : now->content;
    }
    out.defines.push_back(mdev::WriteConfigFile{def.path, from, definition_json(def),
                                                 "mdevctl definition of " + uuid, slot});
    ++want.steps;
  }
  for (const auto& d : view_.definitions) {
    if (!on_gpu(g, d.parent) || wanted.count(d.uuid)) continue;
    if (d.type != t.id && !replaced_definition(g, want, d)) continue;
    out.undefines.push_back(
        mdev::WriteConfigFile{d.path, d.content.empty() ? definition_json(d) : d.content,
                               std::nullopt, "mdevctl definition of " + d.uuid, d.parent});
    ++want.steps;
  }
}

void GpuPlanner::plan_gpu(GpuWants& w) {
  const Gpu& g = *w.gpu;
  GpuSteps out;
  for (auto& want : w.wants) plan_removals(g, want, out);
  for (auto& want : w.wants) plan_creations(g, want, out);
  size_t first = draft.plan.steps.size();
  for (auto* list : {&out.removals, &out.undefines, &out.creations, &out.defines})
    for (auto& step : *list) draft.plan.steps.push_back(std::move(step));
  unsigned wanted = 0;
  for (const auto& want : w.wants) wanted += want.entry->count;
  draft.devices.push_back({"gpu", g.id, first, draft.plan.steps.size() - first, wanted,
                           static_cast<unsigned>(g.instances.size()), {}});
  for (const auto& want : w.wants) {
    if (want.steps) continue;
    size_t running = std::count_if(g.instances.begin(), g.instances.end(),
                                   [&](auto& i) { return i.type_id == want.type->id; });
    draft.plan.notes.push_back(
        fmt::format("{}: {}: no change ({} running)", g.id, label(*want.type), running));
  }
}

void GpuPlanner::plan_all() {
  for (auto& w : gpus_) plan_gpu(w);
}

}  // namespace

sriov::ProfileDraft draft_gpus_plan(const GpuHostView& view, const Profile& profile,
                                    const GpuProfileRequest& request) {
  GpuPlanner planner(view, request);
  for (const auto& e : profile.gpus) planner.entry(e);
  planner.plan_all();
  return std::move(planner.draft);
}

}  // namespace mdev
