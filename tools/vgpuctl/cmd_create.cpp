// vgpuctl create PARENT (--type TYPE | --framebuffer SIZE) [--count N] [--uuid UUID]...:
// all or nothing; the planner checks capacity and mixing first, the executor undoes the
// instances it made when a later one fails.
#include <memory>

#include "cli.hpp"
#include "request.hpp"

namespace vgpuctl {
namespace {

struct CreateArgs {
  std::string parent;
  RequestArgs request;
  double wait = 0;
  bool dry_run = false;
};

int run_create(Context& ctx, const CreateArgs& args) {
  auto request = make_request(args.request);
  if (!request) return ctx.out.error(request.error());
  double wait = args.wait;
  if (!args.dry_run) {
    // A parent that appears late (driver load, VFs a sriovctl apply is creating) is waited for
    // without the host lock, which that apply needs; then the host is read again under it.
    // Without --wait a malformed PARENT is an error before the lock too; one that is absent
    // is looked for again under it (a concurrent apply may be creating it).
    if (auto early = host_with_target(ctx, args.parent, wait);
        !early && (wait > 0 || early.error().code == sriov::Errc::invalid_input))
      return ctx.out.error(early.error());
    if (int status = ctx.begin_write(); status != 0) return status;
    wait = 0;
  }
  auto host = host_with_target(ctx, args.parent, wait);
  if (!host) return ctx.out.error(host.error());
  auto target = mdev::find_target(*host, args.parent);
  request->within = {target->id()};
  auto plan = mdev::plan_create(*host, *request);
  if (!plan) return ctx.out.error(plan.error());
  return run_plan(ctx, "create", plan->plan, args.dry_run, created_json(*plan));
}

}  // namespace

void add_create(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "create", "Create vGPU instances on one GPU or mdev parent: all of them or none");
  auto args = std::make_shared<CreateArgs>();
  tools::declare_when_used(cmd, [=] {
    cmd->add_option("PARENT", args->parent,
                    "PCI address (0000:af:00.0 or af:00.0) or mdev parent name (mbochs)")
        ->required();
    add_request_options(*cmd, args->request, true);
    cmd->add_option("--wait", args->wait,
                    "Wait up to SECONDS for PARENT to appear (driver loading, VFs being enabled)")
        ->type_name("SECONDS")
        ->check(tools::seconds(0.0, 3600.0));
    cmd->add_flag("--dry-run", args->dry_run, "Print the plan and write nothing");
  });
  cmd->callback(
      [&selected, args] { selected = [args](Context& c) { return run_create(c, *args); }; });
}

}  // namespace vgpuctl
