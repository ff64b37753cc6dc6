// sriovctl create PF N: enable N VFs, optionally without autoprobe and bound to a driver.
#include <memory>

#include "cli.hpp"
#include "sriov/inventory.hpp"

namespace sriovctl {
namespace {

struct CreateArgs {
  std::string pf;
  unsigned count = 0;
  bool no_autoprobe = false;
  std::string driver;
  bool force = false;
  bool dry_run = false;
};

int run_create(Context& ctx, const CreateArgs& args) {
  auto loaded = load_for_write(ctx, args.dry_run, [&](const sriov::Inventory& inv) {
    return inv.find_pf(args.pf).map([](auto&&) {});
  });
  if (!loaded.inventory) return loaded.status;
  auto pf = loaded.inventory->find_pf(args.pf);
  if (!pf) return ctx.out.error(pf.error());
  auto host = sriov::read_host_view(ctx.sysfs, *pf);
  if (!host) return ctx.out.error(host.error());
  sriov::CreateRequest request;
  request.count = args.count;
  request.no_autoprobe = args.no_autoprobe;
  if (!args.driver.empty()) request.driver = args.driver;
  request.force = args.force;
  return run_plan(ctx, "create", sriov::plan_create(*host, request), args.dry_run);
}

}  // namespace

void add_create(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand("create", "Create N VFs on a PF (0 destroys them)");
  auto args = std::make_shared<CreateArgs>();
  tools::declare_when_used(cmd, [=] {
    cmd->add_option("PF", args->pf, "PCI address, netdev name or device name (netdevsim1) of the PF")->required();
    cmd->add_option("N", args->count, "Number of VFs")->required()->check(tools::decimal(0, 65535));
    cmd->add_flag("--no-autoprobe", args->no_autoprobe,
                  "Set sriov_drivers_autoprobe to 0 first, so no driver claims the new VFs");
    cmd->add_option("--driver", args->driver, "Bind every VF to DRV (e.g. vfio-pci)")
        ->type_name("DRV");
    cmd->add_flag("--force", args->force,
                  "Allow changing a nonzero VF count, which destroys every existing VF");
    cmd->add_flag("--dry-run", args->dry_run, "Print the plan and write nothing");
  });
  cmd->callback([&selected, args] {
    selected = [args](Context& c) { return run_create(c, *args); };
  });
}

}  // namespace sriovctl
