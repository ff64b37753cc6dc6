// sriovctl list --tree: the topology an operator reasons about, like lspci -t or lstopo:
// NUMA node -> PF (driver, netdev, link, VFs) -> VF (address, driver, IOMMU group, MAC and
// VLAN when set) -> the process holding it through VFIO; and GPU -> vGPU instance -> holder.
#include <fmt/format.h>

#include <map>
#include <ostream>

#include "cli.hpp"
#include "mdev/vgpu.hpp"
#include "sriov/holders.hpp"
#include "sriov/inventory.hpp"
#include "sriov/json_text.hpp"

namespace sriovctl {
namespace {

struct PfNode {
  sriov::PhysicalFunction pf;
  std::vector<sriov::VirtualFunction> vfs;
  std::optional<sriov::VfDump> settings;
  std::vector<std::vector<sriov::Holder>> holders;  // per VF

  // VF v's settings, when they were read.
  const sriov::VfSettings* settings_of(size_t v) const {
    unsigned index = vfs[v].index;
    return settings && index < settings->vfs.size() ? &settings->vfs[index].settings : nullptr;
  }
};

// NUMA nodes in order, the unknown node (null) last.
using ByNode = std::map<std::optional<int>, std::pair<std::vector<PfNode>, std::vector<const mdev::Gpu*>>,
                        bool (*)(const std::optional<int>&, const std::optional<int>&)>;
bool node_order(const std::optional<int>& a, const std::optional<int>& b) {
  if (a && b) return *a < *b;
  return a.has_value() && !b.has_value();
}

std::string pf_line(const sriov::PhysicalFunction& pf) {
  std::string line = pf.id;
  if (!pf.netdevs.empty()) line += " " + pf.netdevs.front();
  line += " " + pf.driver.value_or("no driver");
  if (pf.link_speed_mbps) line += fmt::format(", {} Mb/s", *pf.link_speed_mbps);
  line += fmt::format(", {}/{} VFs", pf.num_vfs, pf.total_vfs ? std::to_string(*pf.total_vfs) : "-");
  return line;
}

std::string vf_line(const sriov::VirtualFunction& vf, const sriov::VfSettings* s) {
  std::string line = fmt::format("VF {:<3} {} {}", vf.index, vf.address ? vf.address->str() : "-",
                                 vf.driver.value_or("no driver"));
  if (vf.iommu_group) line += fmt::format(", group {}", *vf.iommu_group);
  if (s && !s->mac.is_zero()) line += " mac " + s->mac.str();
  if (s && s->vlan) line += fmt::format(" vlan {}", s->vlan) + (s->qos ? fmt::format("/{}", s->qos) : "");
  return line;
}

// The processes holding a VF or instance, one level below it: a VM's QEMU, usually.
void print_holders(std::ostream& out, const std::string& indent,
                   const std::vector<sriov::Holder>& holders) {
  for (size_t i = 0; i < holders.size(); ++i)
    out << indent << (i + 1 == holders.size() ? "└── " : "├── ")
        << fmt::format("held by pid {} ({})", holders[i].pid, holders[i].comm) << "\n";
}

void print_tree(std::ostream& out, const ByNode& nodes) {
  for (const auto& [node, members] : nodes) {
    out << (node ? fmt::format("NUMA node {}", *node) : std::string("NUMA node unknown")) << "\n";
    const auto& [pfs, gpus] = members;
    size_t last = pfs.size() + gpus.size(), i = 0;
    auto branch = [&](bool end) { return end ? "└── " : "├── "; };
    auto stem = [&](bool end) { return end ? "    " : "│   "; };
    for (const auto& p : pfs) {
      bool end = ++i == last;
      out << branch(end) << pf_line(p.pf) << "\n";
      for (size_t v = 0; v < p.vfs.size(); ++v) {
        bool last_vf = v + 1 == p.vfs.size();
        out << stem(end) << branch(last_vf) << vf_line(p.vfs[v], p.settings_of(v)) << "\n";
        print_holders(out, std::string(stem(end)) + stem(last_vf), p.holders[v]);
      }
    }
    for (const auto* g : gpus) {
      bool end = ++i == last;
      out << branch(end)
          << fmt::format("GPU {} {} ({}), {} instance{}", g->id, g->driver.value_or("no driver"),
                         g->handler, g->instances.size(), g->instances.size() == 1 ? "" : "s")
          << "\n";
      for (size_t k = 0; k < g->instances.size(); ++k) {
        const auto& inst = g->instances[k];
        bool last_inst = k + 1 == g->instances.size();
        out << stem(end) << branch(last_inst)
            << fmt::format("{} {} ({})", inst.id, inst.type_name, inst.type_id) << "\n";
        print_holders(out, std::string(stem(end)) + stem(last_inst), inst.holders);
      }
    }
  }
}

nlohmann::json tree_json(const ByNode& nodes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [node, members] : nodes) {
    nlohmann::json pfs = nlohmann::json::array(), gpus = nlohmann::json::array();
    for (const auto& p : members.first) {
      nlohmann::json vfs = nlohmann::json::array();
      for (size_t v = 0; v < p.vfs.size(); ++v)
        vfs.push_back(vf_json(p.vfs[v], p.settings_of(v), p.holders[v]));
      pfs.push_back({{"pf", tools::to_json(p.pf)}, {"vfs", vfs}});
    }
    for (const auto* g : members.second) {
      nlohmann::json instances = nlohmann::json::array();
      for (const auto& inst : g->instances) {
        instances.push_back({{"id", inst.id}, {"type_id", inst.type_id}, {"type_name", inst.type_name},
                             {"holders", sriov::holders_json(inst.holders)}});
      }
      gpus.push_back({{"id", g->id}, {"handler", g->handler},
                      {"driver", g->driver ? nlohmann::json(*g->driver) : nlohmann::json(nullptr)},
                      {"instances", instances}});
    }
    out.push_back({{"numa_node", node ? nlohmann::json(*node) : nlohmann::json(nullptr)},
                   {"pfs", pfs}, {"gpus", gpus}});
  }
  return {{"numa_nodes", out}};
}

}  // namespace

int run_tree(Context& ctx) {
  auto loaded = load_inventory(ctx, false);
  if (!loaded.inventory) return loaded.status;
  auto gpu_host = mdev::scan_vgpu_host(ctx.sysfs);
  if (!gpu_host) return ctx.out.error(gpu_host.error());
  std::vector<PfNode> pfs;
  std::vector<std::string> files;  // every VF's VFIO files: /proc is scanned once for all
  for (const auto& pf : loaded.inventory->pfs()) {
    auto vfs = sriov::read_vfs(ctx.sysfs, pf);
    if (!vfs) return ctx.out.error(vfs.error());
    std::string why;  // the tree leaves settings out where they cannot be read
    pfs.push_back({pf, std::move(*vfs), read_vf_settings(ctx, pf, why), {}});
    for (const auto& vf : pfs.back().vfs)
      files.insert(files.end(), vf.vfio.files.begin(), vf.vfio.files.end());
  }
  auto holders = sriov::VfioHolders::scan_if_any(ctx.sysfs, files);
  ByNode nodes(node_order);
  for (auto& node : pfs) {
    for (const auto& vf : node.vfs) node.holders.push_back(holders.of(vf.vfio));
    nodes[node.pf.numa_node].first.push_back(std::move(node));
  }
  for (const auto& g : gpu_host->gpus) nodes[g.numa_node].second.push_back(&g);
  if (ctx.out.json) {
    ctx.out.print_json(tree_json(nodes));
    return 0;
  }
  if (nodes.empty()) {
    ctx.out.out << "no SR-IOV physical functions or vGPU-capable GPUs found\n";
    return 0;
  }
  print_tree(ctx.out.out, nodes);
  return 0;
}

}  // namespace sriovctl
