// sriovctl bind VFSPEC --driver DRV / sriovctl unbind VFSPEC.
#include <memory>
#include <set>

#include "cli.hpp"
#include "sriov/inventory.hpp"
#include "sriov/vf_spec.hpp"

namespace sriovctl {
namespace {

struct BindArgs {
  std::string spec;
  std::string driver;
  bool dry_run = false;
};

int run_bind(Context& ctx, const BindArgs& args, bool unbind) {
  auto spec = sriov::parse_vf_spec(args.spec);
  if (!spec) return ctx.out.error(spec.error());
  auto loaded = load_for_write(ctx, args.dry_run, [&](const sriov::Inventory& inv) {
    // Only the PF: VFs come and go while another writer runs, and are checked under the lock.
    if (spec->vf) return sriov::Status{};
    return inv.find_pf(spec->pf).map([](auto&&) {});
  });
  if (!loaded.inventory) return loaded.status;
  auto targets = sriov::resolve_vfs(ctx.sysfs, *loaded.inventory, *spec);
  if (!targets) return ctx.out.error(targets.error());
  std::vector<std::string> files;
  for (const auto& t : *targets)
    files.insert(files.end(), t.vf.vfio.files.begin(), t.vf.vfio.files.end());
  auto holders = sriov::VfioHolders::scan_if_any(ctx.sysfs, files).all();
  std::optional<std::string> to;
  if (!unbind) to = args.driver;
  auto plan = sriov::plan_bind(*targets, to, sriov::list_pci_drivers(ctx.sysfs), holders);
  return run_plan(ctx, unbind ? "unbind" : "bind", std::move(plan), args.dry_run);
}

constexpr const char* kSpecHelp =
    "A VF PCI address, or PF#RANGES: PF as PCI address, netdev name or device name, RANGES like 0-3,6";

}  // namespace

void add_bind(CLI::App& app, Runner& selected) {
  auto bind_args = std::make_shared<BindArgs>();
  auto* bind = app.add_subcommand("bind", "Bind VFs to a driver (e.g. vfio-pci)");
  tools::declare_when_used(bind, [=] {
    bind->add_option("VFSPEC", bind_args->spec, kSpecHelp)->required();
    bind->add_option("--driver", bind_args->driver, "Driver to bind the VFs to")
        ->required()
        ->type_name("DRV");
    bind->add_flag("--dry-run", bind_args->dry_run, "Print the plan and write nothing");
  });
  bind->callback([&selected, bind_args] {
    selected = [bind_args](Context& c) { return run_bind(c, *bind_args, false); };
  });

  auto unbind_args = std::make_shared<BindArgs>();
  auto* unbind = app.add_subcommand("unbind", "Unbind VFs from their driver and leave them free");
  tools::declare_when_used(unbind, [=] {
    unbind->add_option("VFSPEC", unbind_args->spec, kSpecHelp)->required();
    unbind->add_flag("--dry-run", unbind_args->dry_run, "Print the plan and write nothing");
  });
  unbind->callback([&selected, unbind_args] {
    selected = [unbind_args](Context& c) { return run_bind(c, *unbind_args, true); };
  });
}

}  // namespace sriovctl
