// vgpuctl remove ID... | remove --parent PARENT --all: remove vGPU instances (all or none).
// Definitions in /etc/mdevctl.d stay (see undefine).
#include <memory>

#include "cli.hpp"

namespace vgpuctl {
namespace {

struct RemoveArgs {
  std::vector<std::string> ids;
  std::string parent;
  bool all = false;
  bool dry_run = false;
};

int run_remove(Context& ctx, const RemoveArgs& args) {
  const auto& o = ctx.out;
  if (args.ids.empty() == args.parent.empty())
    return o.error({sriov::Errc::invalid_input,
                    "give instance UUIDs (or VF addresses), or --parent PARENT --all"});
  if (!args.parent.empty() && !args.all)
    return o.error({sriov::Errc::invalid_input,
                    "--parent removes every instance of PARENT only together with --all"});
  auto plan_for = [&](const mdev::VgpuHost& host) -> sriov::Result<sriov::Plan> {
    if (!args.ids.empty()) return mdev::plan_remove(host, args.ids);
    auto target = mdev::find_target(host, args.parent);
    if (!target) return tl::unexpected(target.error());
    return mdev::plan_remove_all(host, *target);
  };
  if (!args.dry_run) {
    // A malformed ID is an error before the lock (and writes nothing). Whether an instance
    // exists is decided under it: another writer may be creating or removing it now.
    // A scan that fails here (devices vanishing under another writer) decides nothing.
    if (auto early = mdev::scan_vgpu_host(ctx.sysfs))
      if (auto checked = plan_for(*early);
          !checked && checked.error().code == sriov::Errc::invalid_input)
        return o.error(checked.error());
    if (int status = ctx.begin_write(); status != 0) return status;
  }
  auto loaded = load_host(ctx);
  if (!loaded.host) return loaded.status;
  return run_plan(ctx, "remove", plan_for(*loaded.host), args.dry_run);
}

}  // namespace

void add_remove(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "remove",
      "Remove vGPU instances by UUID (VF address for NVIDIA SR-IOV vGPUs), or every "
      "instance of a parent; definitions stay");
  auto args = std::make_shared<RemoveArgs>();
  tools::declare_when_used(cmd, [=] {
    cmd->add_option("ID", args->ids, "Instance UUID, or the VF address of an NVIDIA SR-IOV vGPU");
    cmd->add_option("--parent", args->parent, "With --all: every instance on PARENT")
        ->type_name("PARENT");
    cmd->add_flag("--all", args->all, "Remove every instance of --parent");
    cmd->add_flag("--dry-run", args->dry_run, "Print the plan and write nothing");
  });
  cmd->callback(
      [&selected, args] { selected = [args](Context& c) { return run_remove(c, *args); }; });
}

}  // namespace vgpuctl
