// vgpuctl list: every vGPU-capable GPU / mdev parent, and every instance (running or defined).
#include <fmt/format.h>

#include <ostream>

#include "cli.hpp"
#include "view.hpp"

namespace vgpuctl {
namespace {

int run_list(Context& ctx) {
  auto loaded = load_host(ctx);
  if (!loaded.host) return loaded.status;
  const auto& host = *loaded.host;
  std::vector<std::string> warnings;
  auto defs = mdev::read_definitions(ctx.sysfs, warnings);
  auto rows = instance_rows(host, defs);
  const auto& o = ctx.out;
  if (o.json) {
    nlohmann::json gpus = nlohmann::json::array(), instances = nlohmann::json::array();
    for (const auto& g : host.gpus) gpus.push_back(gpu_json(g));
    for (const auto& r : rows) instances.push_back(instance_json(r));
    o.print_json({{"gpus", gpus}, {"instances", instances}, {"warnings", warnings}});
    return 0;
  }
  for (const auto& w : warnings) o.warn(w);
  if (host.gpus.empty()) {
    o.out << "no vGPU-capable GPUs or mdev parents found\n";
    if (rows.empty()) return 0;
  } else {
    tools::Table table(
        {"GPU", "HANDLER", "DRIVER", "NUMA", "PCI ID", "MIXING", "TYPES", "INSTANCES"});
    for (const auto& g : host.gpus)
      table.add({g.id, g.handler, g.driver.value_or("-"),
                 g.numa_node ? std::to_string(*g.numa_node) : "-", pci_id(g),
                 std::string(mdev::mixing_name(g.mixing)), std::to_string(g.types.size()),
                 std::to_string(g.instances.size())});
    table.print(o.out);
  }
  o.out << "\n";
  if (rows.empty()) {
    o.out << "no vGPU instances\n";
  } else {
    tools::Table table({"INSTANCE", "GPU", "PARENT", "TYPE", "NAME", "STATE"});
    for (const auto& r : rows)
      table.add({r.id, r.gpu.value_or("-"), r.parent, r.type_id, r.type_name, r.state()});
    table.print(o.out);
  }
  for (const auto& g : host.gpus)
    for (const auto& note : g.notes) o.out << "note: " << g.id << ": " << note << "\n";
  return 0;
}

}  // namespace

void add_list(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "list",
      "List vGPU-capable GPUs and mdev parents (handler, NUMA node) and every instance, "
      "running or defined in /etc/mdevctl.d");
  cmd->callback([&selected] { selected = run_list; });
}

}  // namespace vgpuctl
