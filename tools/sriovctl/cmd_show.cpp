// sriovctl show PF: one PF and each of its VFs.
#include <fmt/format.h>

#include <memory>
#include <ostream>

#include "cli.hpp"
#include "mdev/profile_export.hpp"
#include "sriov/holders.hpp"
#include "sriov/inventory.hpp"
#include "sriov/json_text.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/text.hpp"

namespace sriovctl {
namespace {

template <class T>
std::string opt_text(const std::optional<T>& value) {
  return value ? fmt::format("{}", *value) : "-";
}

void print_pf(const tools::Output& o, const sriov::PhysicalFunction& pf) {
  auto line = [&](const char* key, const std::string& value) {
    o.out << fmt::format("  {:<12}{}\n", key, value);
  };
  o.out << "PF " << pf.label() << "\n";
  if (pf.is_pci)
    line("device", fmt::format("{} {} [{}:{}]", pf.vendor_name, pf.device_name,
                               sriov::hex4(pf.vendor_id), sriov::hex4(pf.device_id)));
  else
    line("device", fmt::format("{} (bus {})", pf.device_path, pf.bus));
  line("driver", pf.driver.value_or("-"));
  std::string netdevs;
  for (const auto& n : pf.netdevs) netdevs += (netdevs.empty() ? "" : ",") + n;
  line("netdevs", tools::or_dash(netdevs));
  std::string vfs = pf.total_vfs ? fmt::format("{} of {}", pf.num_vfs, *pf.total_vfs)
                                 : fmt::format("{} (no total limit known)", pf.num_vfs);
  if (pf.vf_offset && pf.vf_stride)
    vfs += fmt::format(" (offset {}, stride {}", *pf.vf_offset, *pf.vf_stride) +
           (pf.vf_device_id ? fmt::format(", VF device {}:{})", sriov::hex4(pf.vendor_id),
                                          sriov::hex4(*pf.vf_device_id))
                            : ")");
  line("VFs", vfs);
  line("autoprobe", pf.drivers_autoprobe ? (*pf.drivers_autoprobe ? "on" : "off") : "-");
  line("NUMA node", opt_text(pf.numa_node));
  line("IOMMU group", opt_text(pf.iommu_group));
  line("link speed", pf.link_speed_mbps ? fmt::format("{} Mb/s", *pf.link_speed_mbps) : "-");
}

// The settings under their keys, as JSON writes them (vlan_id, spoof_check, ...).
nlohmann::json settings_json(const sriov::VfSettings& s) {
  namespace k = sriov::vf_key;
  auto flag = [](const std::optional<bool>& v) { return v ? nlohmann::json(*v) : nullptr; };
  using sriov::json_key;
  return {{json_key(k::mac), s.mac.str()},
          {json_key(k::vlan), s.vlan},
          {json_key(k::qos), s.qos},
          {json_key(k::vlan_proto), std::string(sriov::name(s.vlan_proto))},
          {json_key(k::min_rate), s.min_rate},
          {json_key(k::max_rate), s.max_rate},
          {json_key(k::spoofchk), flag(s.spoofchk)},
          {json_key(k::trust), flag(s.trust)},
          {json_key(k::link_state), std::string(sriov::name(s.link_state))},
          {json_key(k::query_rss), flag(s.query_rss)}};
}

std::string flag_text(const std::optional<bool>& v) { return v ? (*v ? "on" : "off") : "n/a"; }

int run_show(Context& ctx, const std::string& spec) {
  auto loaded = load_inventory(ctx, true);
  if (!loaded.inventory) return loaded.status;
  auto pf = loaded.inventory->find_pf(spec);
  if (!pf) return ctx.out.error(pf.error());
  auto vfs = sriov::read_vfs(ctx.sysfs, *pf);
  if (!vfs) return ctx.out.error(vfs.error());
  const auto& o = ctx.out;
  std::string why;
  auto settings = read_vf_settings(ctx, *pf, why);
  auto settings_of = [&](unsigned index) -> const sriov::VfSettings* {
    return settings && index < settings->vfs.size() ? &settings->vfs[index].settings : nullptr;
  };
  // Which VFs a VM (any process) holds through VFIO: the one rule apply and destroy refuse by.
  std::vector<std::string> files;
  for (const auto& vf : *vfs) files.insert(files.end(), vf.vfio.files.begin(), vf.vfio.files.end());
  auto holders = sriov::VfioHolders::scan_if_any(ctx.sysfs, files);
  if (o.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& vf : *vfs) list.push_back(vf_json(vf, settings_of(vf.index), holders.of(vf.vfio)));
    nlohmann::json j = {{"pf", tools::to_json(*pf)}, {"vfs", list}};
    // Why "settings" is null (e.g. under --sysfs-root); null when they were read.
    j["settings_unavailable"] = why.empty() ? nlohmann::json(nullptr) : nlohmann::json(why);
    o.print_json(j);
    return 0;
  }
  print_pf(o, *pf);
  if (vfs->empty()) {
    o.out << "\nno VFs\n";
    return 0;
  }
  o.out << "\n";
  tools::Table table({"VF", "ADDRESS", "DRIVER", "NETDEV", "IOMMU GROUP", "HELD BY"});
  for (const auto& vf : *vfs) {
    std::string netdevs;
    for (const auto& n : vf.netdevs) netdevs += (netdevs.empty() ? "" : ",") + n;
    std::string group = opt_text(vf.iommu_group);
    if (!vf.iommu_group_peers.empty())
      group += fmt::format(" (shared with {})", fmt::join(vf.iommu_group_peers, ","));
    std::string held;
    for (const auto& h : holders.of(vf.vfio))
      held += fmt::format("{}pid {} ({})", held.empty() ? "" : ", ", h.pid, h.comm);
    table.add({std::to_string(vf.index), vf.address ? vf.address->str() : "-",
               vf.driver.value_or("-"), tools::or_dash(netdevs), group, tools::or_dash(held)});
  }
  table.print(o.out);
  if (settings) {
    o.out << "\n";
    // The settings' keys, upper case (MIN/MAX-TX-RATE in Mbit/s).
    tools::Table st({"VF", "MAC-ADDRESS", "VLAN-ID", "QOS", "VLAN-PROTO", "MIN-TX-RATE",
                     "MAX-TX-RATE", "SPOOF-CHECK", "TRUST", "LINK-STATE", "QUERY-RSS"});
    for (const auto& vf : settings->vfs) {
      const auto& s = vf.settings;
      st.add({std::to_string(vf.index), s.mac.str(), std::to_string(s.vlan), std::to_string(s.qos),
              std::string(sriov::name(s.vlan_proto)), std::to_string(s.min_rate),
              std::to_string(s.max_rate), flag_text(s.spoofchk), flag_text(s.trust),
              std::string(sriov::name(s.link_state)), flag_text(s.query_rss)});
    }
    st.print(o.out);
  } else if (!why.empty()) {
    o.out << "\n" << why << "\n";
  }
  return 0;
}

// show --profile [PF...]: the PFs (every SR-IOV PF when none is named) as a profile that
// plans as a no-op. VF settings only where rtnetlink is (not under --sysfs-root).
int run_export(Context& ctx, const std::vector<std::string>& specs) {
  auto loaded = load_inventory(ctx, false);
  if (!loaded.inventory) return loaded.status;
  std::vector<sriov::PhysicalFunction> pfs;
  for (const auto& spec : specs) {
    auto pf = loaded.inventory->find_pf(spec);
    if (!pf) return ctx.out.error(pf.error());
    pfs.push_back(*pf);
  }
  if (specs.empty()) pfs = loaded.inventory->pfs();
  std::vector<mdev::ExportedPf> exported;
  for (const auto& pf : pfs) {
    auto vfs = sriov::read_vfs(ctx.sysfs, pf);
    if (!vfs) return ctx.out.error(vfs.error());
    std::string why;
    auto settings = read_vf_settings(ctx, pf, why);
    if (!why.empty() && ctx.sysfs.live())
      ctx.out.warn(fmt::format("{}: {}; the profile leaves them as they are", pf.label(), why));
    exported.push_back({pf, std::move(*vfs), std::move(settings)});
  }
  // GPUs with the whole host only: PF arguments name NICs.
  std::optional<mdev::GpuHostView> gpus;
  if (specs.empty()) {
    auto view = mdev::read_gpu_host_view(ctx.sysfs);
    if (!view) return ctx.out.error(view.error());
    for (const auto& w : view->warnings) ctx.out.warn(w);
    gpus = std::move(*view);
  }
  auto profile = mdev::export_profile(exported, gpus ? &*gpus : nullptr);
  if (ctx.out.json) ctx.out.out << profile.dump(2) << "\n";
  else ctx.out.out << mdev::profile_yaml(profile);
  return 0;
}

}  // namespace

std::optional<sriov::VfDump> read_vf_settings(Context& ctx, const sriov::PhysicalFunction& pf,
                                              std::string& why) {
  if (pf.netdevs.empty() || pf.num_vfs == 0) return std::nullopt;
  auto link = ctx.link_where_available();
  if (link && !*link) {
    why = "VF settings: not available under --sysfs-root (they are read over rtnetlink)";
    return std::nullopt;
  }
  if (!link) {
    why = "VF settings: " + link.error().message;
    return std::nullopt;
  }
  auto dump = (*link)->read(pf.netdevs.front());
  if (!dump) {
    why = "VF settings: " + dump.error().message;
    return std::nullopt;
  }
  return *dump;
}

nlohmann::json vf_json(const sriov::VirtualFunction& vf, const sriov::VfSettings* settings,
                       const std::vector<sriov::Holder>& holders) {
  auto j = tools::to_json(vf);
  j["settings"] = settings ? settings_json(*settings) : nlohmann::json(nullptr);
  j["holders"] = sriov::holders_json(holders);
  return j;
}

void add_show(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "show", "Show one PF and each of its VFs; with --profile, PFs as a profile to apply");
  auto pfs = std::make_shared<std::vector<std::string>>();
  auto as_profile = std::make_shared<bool>(false);
  tools::declare_when_used(cmd, [=] {
    cmd->add_option("PF", *pfs, "PCI address (0000:3b:00.0 or 3b:00.0), netdev name or device name (netdevsim1)");
    cmd->add_flag("--profile", *as_profile,
                  "Print the PFs (all when none is given) as a profile that apply keeps as they "
                  "are (sriov-profile(5))");
  });
  cmd->callback([&selected, pfs, as_profile] {
    if (!*as_profile && pfs->size() != 1)
      throw CLI::ValidationError("PF", pfs->empty() ? "a PF is required (or --profile)"
                                                    : "show takes one PF (or --profile PF...)");
    selected = [pfs, as_profile](Context& c) {
      return *as_profile ? run_export(c, *pfs) : run_show(c, pfs->front());
    };
  });
}

}  // namespace sriovctl
