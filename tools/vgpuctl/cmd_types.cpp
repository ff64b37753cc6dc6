// vgpuctl types [PARENT]: the vGPU types of each GPU with framebuffer and available count.
#include <fmt/format.h>

#include <memory>
#include <ostream>

#include "cli.hpp"
#include "view.hpp"

namespace vgpuctl {
namespace {

template <class T>
std::string cell(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : "-";
}

// The types one GPU (or one of its slots) offers; a slot's types carry its own availability.
std::vector<mdev::VgpuType> types_of(const mdev::Target& target) {
  if (!target.slot) return target.gpu->types;
  std::vector<mdev::VgpuType> out;
  for (const auto& t : target.gpu->types) {
    const auto* offer = target.slot->find_offer(t.id);
    if (!offer) continue;
    out.push_back(t);
    out.back().available = offer->available;
  }
  return out;
}

std::string heading(const mdev::Target& target) {
  const auto& g = *target.gpu;
  std::string numa = g.numa_node ? fmt::format(", NUMA node {}", *g.numa_node) : "";
  std::string where = target.slot ? fmt::format("{} (VF of {}", target.slot->id, g.id)
                                  : fmt::format("{} ({}", g.id, g.handler);
  return fmt::format("{}{})", where, numa);
}

int run_types(Context& ctx, const std::string& parent) {
  auto loaded = load_host(ctx);
  if (!loaded.host) return loaded.status;
  const auto& host = *loaded.host;
  std::vector<mdev::Target> targets;
  if (!parent.empty()) {
    auto t = mdev::find_target(host, parent);
    if (!t) return ctx.out.error(t.error());
    targets.push_back(*t);
  } else {
    for (const auto& g : host.gpus) targets.push_back({&g, nullptr});
  }
  const auto& o = ctx.out;
  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& t : targets) {
      nlohmann::json types = nlohmann::json::array();
      for (const auto& ty : types_of(t)) types.push_back(type_json(ty));
      list.push_back({{"gpu", t.gpu->id},
                      {"parent", t.slot ? nlohmann::json(t.slot->id) : nlohmann::json(nullptr)},
                      {"handler", t.gpu->handler},
                      {"types", types}});
    }
    o.print_json({{"gpus", list}});
    return 0;
  }
  if (targets.empty()) {
    o.out << "no vGPU-capable GPUs or mdev parents found\n";
    return 0;
  }
  bool first = true;
  for (const auto& t : targets) {
    if (!first) o.out << "\n";
    first = false;
    o.out << heading(t) << "\n";
    auto types = types_of(t);
    if (types.empty()) {
      o.out << "  no vGPU types\n";
      for (const auto& note : t.gpu->notes) o.out << "note: " << note << "\n";
      continue;
    }
    tools::Table table(
        {"TYPE", "NAME", "FRAMEBUFFER", "CLASS", "HEADS", "MAX RESOLUTION", "MAX", "AVAILABLE"});
    for (const auto& ty : types)
      table.add({ty.id, ty.name, size_text(ty.framebuffer),
                 ty.profile_class ? std::string(1, *ty.profile_class) : "-", cell(ty.heads),
                 ty.max_resolution.value_or("-"), cell(ty.max_instances), cell(ty.available)});
    table.print(o.out);
    for (const auto& note : t.gpu->notes) o.out << "note: " << note << "\n";
  }
  return 0;
}

}  // namespace

void add_types(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "types",
      "List the vGPU types of every GPU (or of PARENT) with framebuffer and the number "
      "of instances that still fit");
  auto parent = std::make_shared<std::string>();
  tools::declare_when_used(cmd, [=] {
    cmd->add_option("PARENT", *parent,
                    "PCI address (0000:af:00.0 or af:00.0) or mdev parent name (mbochs)")
        ->check(tools::non_empty("leave PARENT out for every GPU"));
  });
  cmd->callback(
      [&selected, parent] { selected = [parent](Context& c) { return run_types(c, *parent); }; });
}

}  // namespace vgpuctl
