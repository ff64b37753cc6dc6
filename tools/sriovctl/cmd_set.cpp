// sriovctl set VFSPEC KEY=VALUE...: VF settings over rtnetlink.
#include <fmt/format.h>

#include <memory>

#include "cli.hpp"
#include "sriov/inventory.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/vf_spec.hpp"

namespace sriovctl {
namespace {

struct SetArgs {
  std::string spec;
  std::vector<std::string> settings;
  bool dry_run = false;
};

int run_set(Context& ctx, const SetArgs& args) {
  const auto& o = ctx.out;
  sriov::VfConfig config;
  for (const auto& s : args.settings)
    if (auto ok = sriov::parse_vf_setting(s, config); !ok) return o.error(ok.error());
  auto spec = sriov::parse_vf_spec(args.spec);
  if (!spec) return o.error(spec.error());
  auto loaded = load_for_write(ctx, args.dry_run, [&](const sriov::Inventory& inv) {
    // Only the PF: VFs come and go while another writer runs, and are checked under the lock.
    if (spec->vf) return sriov::Status{};
    return inv.find_pf(spec->pf).map([](auto&&) {});
  });
  if (!loaded.inventory) return loaded.status;
  auto targets = sriov::resolve_vfs(ctx.sysfs, *loaded.inventory, *spec);
  if (!targets) return o.error(targets.error());
  const auto& pf = targets->front().pf;
  std::vector<unsigned> indexes;
  for (const auto& t : *targets) indexes.push_back(t.vf.index);
  if (auto ok = sriov::check_set_request(pf, indexes, config); !ok) return o.error(ok.error());
  auto link = ctx.link();
  if (!link) return o.error(link.error());
  auto dump = (*link)->read(pf.netdevs.front());
  if (!dump) return o.error(dump.error());
  auto plan = sriov::plan_set(pf, indexes, config, *dump);
  return run_plan(ctx, "set", std::move(plan), args.dry_run);
}

}  // namespace

void add_set(CLI::App& app, Runner& selected) {
  auto args = std::make_shared<SetArgs>();
  auto* cmd = app.add_subcommand(
      "set", "Set VF MAC, VLAN, QoS, rates, spoof-check, trust, link state over rtnetlink");
  tools::declare_when_used(cmd, [=] {
    cmd->add_option("VFSPEC", args->spec,
                    "A VF PCI address, or PF#RANGES (PF as PCI address, netdev name or device name)")
        ->required();
    cmd->add_option("SETTINGS", args->settings,
                    "KEY=VALUE, the keys of profiles: mac-address=MAC | mac-from=MAC, "
                    "vlan-id=0-4095, qos=0-7, vlan-proto=802.1Q|802.1ad, min-tx-rate=MBPS, "
                    "max-tx-rate=MBPS (0 = unlimited), spoof-check=on|off, trust=on|off, "
                    "link-state=auto|enable|disable, query-rss=on|off (iproute2's mac, vlan, "
                    "proto, max_tx_rate, spoofchk, state ... too)")
        ->required();
    cmd->add_flag("--dry-run", args->dry_run, "Print the plan and send nothing");
  });
  cmd->callback([&selected, args] { selected = [args](Context& c) { return run_set(c, *args); }; });
}

}  // namespace sriovctl
