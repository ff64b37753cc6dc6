// sriovctl list: every SR-IOV PF of the host (--tree: cmd_tree.cpp).
#include <fmt/format.h>

#include <memory>
#include <ostream>

#include "cli.hpp"

namespace sriovctl {
namespace {

std::string vf_count(const sriov::PhysicalFunction& pf) {
  return fmt::format("{}/{}", pf.num_vfs, pf.total_vfs ? std::to_string(*pf.total_vfs) : "-");
}

std::string on_off(const std::optional<bool>& value) {
  return value ? (*value ? "on" : "off") : "-";
}

int run_list(Context& ctx) {
  auto loaded = load_inventory(ctx, true);
  if (!loaded.inventory) return loaded.status;
  const auto& pfs = loaded.inventory->pfs();
  const auto& o = ctx.out;
  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& pf : pfs) list.push_back(tools::to_json(pf));
    o.print_json({{"pfs", list}});
    return 0;
  }
  if (pfs.empty()) {
    o.out << "no SR-IOV physical functions found\n";
    return 0;
  }
  tools::Table table({"PF", "NETDEV", "DRIVER", "VFS", "AUTOPROBE", "NUMA", "DEVICE"});
  for (const auto& pf : pfs) {
    std::string netdevs;
    for (const auto& n : pf.netdevs) netdevs += (netdevs.empty() ? "" : ",") + n;
    std::string device = pf.is_pci ? fmt::format("{} {}", pf.vendor_name, pf.device_name)
                                    : pf.device_name;
    table.add({pf.id, tools::or_dash(netdevs), pf.driver.value_or("-"), vf_count(pf),
               on_off(pf.drivers_autoprobe),
               pf.numa_node ? std::to_string(*pf.numa_node) : "-", device});
  }
  table.print(o.out);
  return 0;
}

}  // namespace

void add_list(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand("list", "List every SR-IOV physical function of the host");
  auto tree = std::make_shared<bool>(false);
  tools::declare_when_used(cmd, [=] {
    cmd->add_flag("--tree", *tree,
                  "Draw the host: NUMA node, PF, its VFs (driver, IOMMU group, MAC/VLAN) and "
                  "GPUs with their vGPU instances, each with the process holding it");
  });
  cmd->callback([&selected, tree] { selected = *tree ? run_tree : run_list; });
}

}  // namespace sriovctl
