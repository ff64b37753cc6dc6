// sriovctl destroy PF: disable every VF of a PF.
#include <memory>

#include "cli.hpp"
#include "sriov/inventory.hpp"

namespace sriovctl {
namespace {

struct DestroyArgs {
  std::string pf;
  bool force = false;
  bool dry_run = false;
};

int run_destroy(Context& ctx, const DestroyArgs& args) {
  auto loaded = load_for_write(ctx, args.dry_run, [&](const sriov::Inventory& inv) {
    return inv.find_pf(args.pf).map([](auto&&) {});
  });
  if (!loaded.inventory) return loaded.status;
  auto pf = loaded.inventory->find_pf(args.pf);
  if (!pf) return ctx.out.error(pf.error());
  auto host = sriov::read_host_view(ctx.sysfs, *pf);
  if (!host) return ctx.out.error(host.error());
  return run_plan(ctx, "destroy", sriov::plan_destroy(*host, args.force), args.dry_run);
}

}  // namespace

void add_destroy(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand("destroy", "Destroy every VF of a PF (set the VF count to 0)");
  auto args = std::make_shared<DestroyArgs>();
  tools::declare_when_used(cmd, [=] {
    cmd->add_option("PF", args->pf, "PCI address, netdev name or device name (netdevsim1) of the PF")->required();
    cmd->add_flag("--force", args->force, "Destroy even VFs bound to vfio-pci (not ones in use)");
    cmd->add_flag("--dry-run", args->dry_run, "Print the plan and write nothing");
  });
  cmd->callback([&selected, args] {
    selected = [args](Context& c) { return run_destroy(c, *args); };
  });
}

}  // namespace sriovctl
