#include "mdev/planner.hpp"
#include "mdev/steps/mdev_steps.hpp"
#include "text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "mdev/size.hpp"
#include "mdev/uuid.hpp"

namespace mdev {

using sriov::Errc;
using sriov::fail;

namespace {

using text::plural;

bool in_numa(const Gpu& g, const VgpuRequest& r) {
  return !r.numa_node || g.numa_node == r.numa_node;
}

// The slots of a GPU the request may use: those named in `within`, or all when only the GPU
// (or nothing) is named.
std::vector<const Slot*> allowed_slots(const Gpu& g, const VgpuRequest& r) {
  std::vector<const Slot*> named, all;
  for (const auto& s : g.slots) {
    all.push_back(&s);
    if (std::find(r.within.begin(), r.within.end(), s.id) != r.within.end() && s.id != g.id)
      named.push_back(&s);
  }
  return named.empty() ? all : named;
}

bool allowed_gpu(const Gpu& g, const VgpuRequest& r) {
  if (g.backend == Backend::listing) return false;
  if (!in_numa(g, r)) return false;
  if (r.within.empty()) return true;
  for (const auto& id : r.within) {
    if (id == g.id || g.find_slot(id)) return true;
  }
  return false;
}

bool type_matches(const VgpuType& t, const VgpuRequest& r) {
  if (r.profile_class && t.profile_class != r.profile_class) return false;
  if (r.type) return t.id == *r.type || t.name == *r.type;
  return r.min_framebuffer && t.framebuffer && *t.framebuffer >= *r.min_framebuffer;
}

// What one GPU can take of a type, and where.
struct Fit {
  const Gpu* gpu = nullptr;
  const VgpuType* type = nullptr;
  unsigned capacity = 0;
  bool unknown = false;  // some slot does not report available_instances
  std::vector<std::pair<const Slot*, unsigned>> slots;
  std::string reason;  // why it takes nothing
};

Fit fit(const Gpu& g, const std::string& type_name, const VgpuRequest& r, unsigned wanted) {
  Fit f;
  f.gpu = &g;
  for (const auto& t : g.types)
    if (t.name == type_name && type_matches(t, r)) f.type = &t;
  if (!f.type) {
    f.reason = fmt::format("GPU {} does not offer {}", g.id, type_name);
    return f;
  }
  if (g.mixing == Mixing::same_type) {
    for (const auto& i : g.instances) {
      if (i.type_id == f.type->id) continue;
      f.reason = fmt::format(
          "GPU {} already runs {}; {} cannot be mixed (time-sliced vGPUs on one GPU share one "
          "type unless the GPU is in heterogeneous mode)",
          g.id, i.type_name, f.type->name);
      return f;
    }
  }
  unsigned left = wanted;
  for (const Slot* s : allowed_slots(g, r)) {
    const auto* offer = s->find_offer(f.type->id);
    if (!offer || left == 0) continue;
    unsigned take = left;
    if (offer->available)
      take = std::min(take, *offer->available);
    else
      f.unknown = true;
    if (take == 0) continue;
    f.slots.emplace_back(s, take);
    f.capacity += take;
    left -= take;
  }
  if (f.capacity > 0) return f;
  if (g.backend == Backend::nvidia_vfio) {
    unsigned used = 0;
    for (const auto& s : g.slots) used += s.current_type != 0;
    f.reason = g.slots.empty()
                   ? fmt::format("GPU {} has no VFs enabled (run 'sriov-manage -e {}')", g.id, g.id)
                   : fmt::format("GPU {}: no free VF offers {} ({} enabled, {} hold a vGPU)", g.id,
                                 f.type->name, plural(g.slots.size(), "VF"), used);
  } else {
    f.reason = fmt::format("GPU {}: no {} left (available_instances is 0)", g.id, f.type->name);
  }
  return f;
}

// GPUs that already run the type first (keeps other GPUs free for other types), then by id.
std::vector<const Gpu*> placement_order(const std::vector<const Gpu*>& gpus,
                                        const std::string& type_name) {
  auto runs = [&](const Gpu* g) {
    for (const auto& i : g->instances)
      if (i.type_name == type_name) return true;
    return false;
  };
  std::vector<const Gpu*> out = gpus;
  std::stable_sort(out.begin(), out.end(),
                   [&](const Gpu* a, const Gpu* b) { return runs(a) && !runs(b); });
  return out;
}

sriov::Status check_uuids(const VgpuHost& host, const VgpuRequest& r) {
  std::set<std::string> seen;
  for (const auto& u : r.uuids) {
    if (!seen.insert(u).second)
      return fail(Errc::invalid_input, fmt::format("UUID {} is given twice", u));
    auto [gpu, inst] = host.find_instance(u);
    if (inst)
      return fail(Errc::refused, fmt::format("an mdev with UUID {} exists already ({} on {})", u,
                                             inst->type_name, inst->slot));
    for (const auto& d : host.stray)
      if (d.uuid == u)
        return fail(Errc::refused, fmt::format("an mdev with UUID {} exists already", u));
  }
  if (r.uuids.size() > r.count)
    return fail(Errc::invalid_input,
                fmt::format("{} UUIDs given for {}", r.uuids.size(), plural(r.count, "instance")));
  return {};
}

std::string request_text(const VgpuRequest& r) {
  std::string what = plural(r.count, "vGPU");
  if (r.type)
    what += fmt::format(" of type {}", *r.type);
  else if (r.min_framebuffer)
    what += fmt::format(" of at least {}", format_size(*r.min_framebuffer));
  if (r.profile_class) what += fmt::format(" (class {})", *r.profile_class);
  return what;
}

std::string where_text(const VgpuRequest& r) {
  std::string where;
  if (!r.within.empty()) where += fmt::format(" on {}", fmt::join(r.within, ", "));
  if (r.numa_node) where += fmt::format(" on NUMA node {}", *r.numa_node);
  return where;
}

// Why no GPU is eligible at all.
sriov::Error no_gpu(const VgpuHost& host, const VgpuRequest& r) {
  std::vector<std::string> gpus;
  for (const auto& g : host.gpus) {
    if (g.backend == Backend::listing) continue;
    gpus.push_back(g.numa_node ? fmt::format("{} on node {}", g.id, *g.numa_node)
                               : fmt::format("{} (NUMA node unknown)", g.id));
  }
  std::string known =
      gpus.empty() ? "this host has none" : fmt::format("GPUs: {}", fmt::join(gpus, ", "));
  return sriov::Error{Errc::not_found,
                      fmt::format("no GPU that can create vGPUs{} ({})", where_text(r), known)};
}

sriov::Error no_type(const std::vector<const Gpu*>& gpus, const VgpuRequest& r) {
  const VgpuType* largest = nullptr;
  const Gpu* on = nullptr;
  for (const auto* g : gpus)
    for (const auto& t : g->types)
      if (t.framebuffer && (!r.profile_class || t.profile_class == r.profile_class) &&
          (!largest || *t.framebuffer > *largest->framebuffer)) {
        largest = &t;
        on = g;
      }
  std::vector<std::string> ids;
  for (const auto* g : gpus) ids.push_back(g->id);
  if (r.type)
    return sriov::Error{
        Errc::not_found,
        fmt::format("no vGPU type '{}'{} on {} (see 'vgpuctl types')", *r.type,
                    r.profile_class ? fmt::format(" of class {}", *r.profile_class) : "",
                    fmt::join(ids, ", "))};
  std::string tail = largest ? fmt::format("the largest is {} with {} on {}", largest->name,
                                           format_size(*largest->framebuffer), on->id)
                             : "no type reports its framebuffer size";
  return sriov::Error{
      Errc::not_found,
      fmt::format("no vGPU type with at least {}{} on {} ({})", format_size(*r.min_framebuffer),
                  r.profile_class ? fmt::format(" of class {}", *r.profile_class) : "",
                  fmt::join(ids, ", "), tail)};
}

VgpuPlan build_plan(const std::vector<Fit>& fits, const VgpuRequest& r, bool by_size) {
  VgpuPlan out;
  const VgpuType& first = *fits.front().type;
  out.type_id = first.id;
  out.type_name = first.name;
  out.framebuffer = first.framebuffer;
  size_t next_uuid = 0;
  auto uuid = [&]() {
    std::string u = next_uuid < r.uuids.size() ? r.uuids[next_uuid]
                                               : r.spare_uuids.at(next_uuid - r.uuids.size());
    ++next_uuid;
    return u;
  };
  std::vector<std::string> where;
  for (const auto& f : fits) {
    unsigned on_gpu = 0;
    for (const auto& [slot, n] : f.slots) {
      for (unsigned i = 0; i < n; ++i) {
        if (f.gpu->backend == Backend::nvidia_vfio) {
          out.plan.steps.push_back(mdev::SetVgpuType{slot->id, slot->path, 0,
                                                      static_cast<unsigned>(std::stoul(f.type->id)),
                                                      f.type->name});
          out.placements.push_back({f.gpu->id, slot->id, slot->id});
        } else {
          std::string u = uuid();
          out.plan.steps.push_back(
              mdev::CreateMdev{slot->id, f.type->id, slot->find_offer(f.type->id)->path, u});
          out.placements.push_back({f.gpu->id, slot->id, u});
        }
        ++on_gpu;
      }
    }
    where.push_back(fits.size() == 1 ? f.gpu->id : fmt::format("{} ({})", f.gpu->id, on_gpu));
    if (f.unknown)
      out.plan.notes.push_back(
          fmt::format("{} does not report available_instances for {}: the "
                      "kernel decides whether they fit",
                      f.gpu->id, f.type->id));
  }
  std::string size = first.framebuffer ? ", " + format_size(*first.framebuffer) : "";
  out.plan.summary = fmt::format("create {} of type {} ({}{}) on {}",
                                 plural(static_cast<unsigned>(out.placements.size()), "vGPU"),
                                 first.name, first.id, size, fmt::join(where, ", "));
  if (by_size)
    out.plan.notes.insert(out.plan.notes.begin(),
                          fmt::format("{} is the smallest type with at least {} that fits",
                                      first.name, format_size(*r.min_framebuffer)));
  return out;
}

}  // namespace

sriov::Result<VgpuPlan> plan_create(const VgpuHost& host, const VgpuRequest& r) {
  if (r.count == 0) return fail(Errc::invalid_input, "the instance count must be at least 1");
  if (!r.type && !r.min_framebuffer)
    return fail(Errc::invalid_input, "give a vGPU type or a framebuffer size");
  if (auto ok = check_uuids(host, r); !ok) return tl::unexpected(ok.error());

  std::vector<const Gpu*> gpus;
  for (const auto& g : host.gpus)
    if (allowed_gpu(g, r)) gpus.push_back(&g);
  if (gpus.empty()) return tl::unexpected(no_gpu(host, r));

  // Candidate types by name (the same model's GPUs share names), smallest first.
  std::vector<VgpuType> candidates;
  for (const auto* g : gpus)
    for (const auto& t : g->types)
      if (type_matches(t, r) && std::none_of(candidates.begin(), candidates.end(),
                                             [&](const VgpuType& c) { return c.name == t.name; }))
        candidates.push_back(t);
  if (candidates.empty()) return tl::unexpected(no_type(gpus, r));
  sort_types(candidates);

  std::vector<std::string> first_reasons;
  for (const auto& candidate : candidates) {
    std::vector<Fit> fits;
    std::vector<std::string> reasons;
    unsigned left = r.count;
    for (const auto* g : placement_order(gpus, candidate.name)) {
      if (left == 0) break;
      Fit f = fit(*g, candidate.name, r, left);
      if (f.capacity == 0) {
        if (f.type) reasons.push_back(f.reason);  // GPUs without the type are not news
        continue;
      }
      left -= f.capacity;
      reasons.push_back(
          fmt::format("{} fit{} on {}", f.capacity, f.capacity == 1 ? "s" : "", g->id));
      fits.push_back(std::move(f));
    }
    if (left == 0) {
      bool uses_uuids = std::any_of(fits.begin(), fits.end(),
                                    [](const Fit& f) { return f.gpu->backend == Backend::mdev; });
      if (!uses_uuids && !r.uuids.empty())
        return fail(Errc::invalid_input,
                    fmt::format("{} vGPUs have no UUID (the VF address names them): drop --uuid",
                                candidate.name));
      return build_plan(fits, r, !r.type);
    }
    if (first_reasons.empty())
      first_reasons.push_back(fmt::format(
          "{}: {}{}", label(candidate), fmt::join(reasons, "; "),
          r.count - left > 0 ? fmt::format("; {} in all, {} requested", r.count - left, r.count)
                             : ""));
  }
  std::string message =
      fmt::format("cannot place {}{}: {}", request_text(r), where_text(r), first_reasons.front());
  if (candidates.size() > 1) {
    std::vector<std::string> others;
    for (size_t i = 1; i < candidates.size() && i <= 3; ++i) others.push_back(candidates[i].name);
    message += fmt::format(
        " (nor do the other types of that size or larger: {}{})", fmt::join(others, ", "),
        candidates.size() > 4 ? fmt::format(" and {} more", candidates.size() - 4) : "");
  }
  return fail(Errc::refused, message);
}

sriov::Result<sriov::Step> remove_step(const Gpu& gpu, const VgpuInstance& inst) {
  switch (gpu.backend) {
    case Backend::mdev:
      return mdev::RemoveMdev{inst.slot, inst.type_id, inst.type_path, inst.id};
    case Backend::nvidia_vfio: {
      const Slot* slot = gpu.find_slot(inst.slot);
      return mdev::SetVgpuType{inst.slot, slot ? slot->path : "", slot ? slot->current_type : 0, 0,
                                ""};
    }
    case Backend::listing:
      break;
  }
  return fail(Errc::unsupported,
              fmt::format("{} is a VF of {} ({}): vgpuctl does not remove those; destroy the VFs "
                          "with 'sriovctl destroy {}'",
                          inst.id, gpu.id, gpu.handler, gpu.id));
}

namespace {

// The executor's own last-moment refusal, made at planning time so that --dry-run refuses
// as the real run does (same message, same exit status).
sriov::Error held_refusal(const Gpu& gpu, const VgpuInstance& inst) {
  if (gpu.backend == Backend::nvidia_vfio) {
    const Slot* slot = gpu.find_slot(inst.slot);
    return sriov::held_refusal("change the vGPU of VF " + inst.slot, inst.holders.front(),
                               slot ? slot->path : "");
  }
  return sriov::held_refusal("remove mdev " + inst.id, inst.holders.front(),
                             sriov::join_path(kMdevDevices, inst.id));
}

// UUIDs in canonical (lower-case) form; anything else (a VF address) as given, canonical.
std::string canonical_id(const std::string& id) {
  if (auto u = mdev::Uuid::parse(id)) return u->str();
  if (sriov::PciAddress::looks_like(id))
    if (auto a = sriov::PciAddress::parse(id)) return a->str();
  return id;
}

}  // namespace

sriov::Result<sriov::Plan> plan_remove(const VgpuHost& host, const std::vector<std::string>& ids) {
  sriov::Plan plan;
  std::set<std::string> seen;
  for (const auto& raw : ids) {
    std::string id = canonical_id(raw);
    if (!seen.insert(id).second) continue;
    auto [gpu, inst] = host.find_instance(id);
    if (inst) {
      if (!inst->holders.empty()) return tl::unexpected(held_refusal(*gpu, *inst));
      auto step = remove_step(*gpu, *inst);
      if (!step) return tl::unexpected(step.error());
      plan.steps.push_back(std::move(*step));
      continue;
    }
    auto stray = std::find_if(host.stray.begin(), host.stray.end(),
                              [&](const MdevDevice& d) { return d.uuid == id; });
    if (stray != host.stray.end()) {
      plan.steps.push_back(mdev::RemoveMdev{stray->parent.value_or("?"),
                                             stray->type_id.value_or("?"),
                                             stray->type_path.value_or(""), id});
      continue;
    }
    if (!mdev::Uuid::parse(raw) && !sriov::PciAddress::looks_like(raw))
      return tl::unexpected(mdev::Uuid::parse(raw).error());
    return fail(Errc::not_found,
                fmt::format("no vGPU instance {} (give a UUID or, for NVIDIA SR-IOV vGPUs, the VF "
                            "address; see 'vgpuctl list')",
                            id));
  }
  plan.summary = fmt::format("remove {}", plural(static_cast<unsigned>(plan.steps.size()), "vGPU"));
  return plan;
}

sriov::Result<sriov::Plan> plan_remove_all(const VgpuHost& host, const Target& target) {
  std::vector<std::string> ids;
  for (const auto& inst : target.gpu->instances)
    if (!target.slot || inst.slot == target.slot->id) ids.push_back(inst.id);
  auto plan = plan_remove(host, ids);
  if (!plan) return plan;
  plan->summary = fmt::format("remove every vGPU on {} ({})", target.id(),
                              plural(static_cast<unsigned>(ids.size()), "instance"));
  if (ids.empty()) plan->notes.push_back(fmt::format("{} has no vGPU instances", target.id()));
  return plan;
}

}  // namespace mdev
