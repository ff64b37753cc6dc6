// vgpuctl start UUID... | start --all-auto: create defined instances (what the boot unit
// runs); vgpuctl stop UUID...: remove running instances and keep their definitions.
#include <fmt/format.h>

#include <memory>
#include <ostream>

#include "cli.hpp"
#include "sriov/wait.hpp"

namespace vgpuctl {
namespace {

struct StartArgs {
  std::vector<std::string> uuids;
  bool all_auto = false;
  double wait = 0;
  bool dry_run = false;
};

int run_start(Context& ctx, const StartArgs& args) {
  const auto& o = ctx.out;
  if (args.uuids.empty() != args.all_auto)
    return o.error({sriov::Errc::invalid_input, "give the UUIDs to start, or --all-auto"});
  auto uuids = parse_uuids(args.uuids);
  if (!uuids) return o.error(uuids.error());
  // With --wait, late parents are waited for without the host lock (a sriovctl apply creating
  // them needs it) and the host is read again once the lock is held; without, the lock comes
  // first and the host is read once.
  bool lock_after_wait = !args.dry_run && args.wait > 0;
  if (!args.dry_run && !lock_after_wait)
    if (int status = ctx.begin_write(); status != 0) return status;
  std::vector<std::string> warnings;
  auto defs = mdev::read_definitions(ctx.sysfs, warnings);
  auto host = mdev::scan_vgpu_host(ctx.sysfs);
  if (!host) return o.error(host.error());
  auto plan = mdev::plan_start(*host, defs, *uuids, args.all_auto);
  auto missing = [&] {
    if (plan) return !plan->missing_parents.empty();
    return plan.error().code == sriov::Errc::not_found;
  };
  if (missing() && args.wait > 0) {
    // Parents appear late at boot (driver load, VFs after sriov-manage): wait for them.
    auto ready = [&] {
      auto again = mdev::scan_vgpu_host(ctx.sysfs);
      if (!again) return false;
      host = std::move(again);
      plan = mdev::plan_start(*host, defs, *uuids, args.all_auto);
      return !missing();
    };
    o.show_progress(fmt::format("waiting up to {:g} s for the definitions' parents", args.wait));
    sriov::wait_until(ctx.sysfs, ready,
                      std::chrono::milliseconds(static_cast<long>(args.wait * 1000)));
    o.clear_progress();
  }
  if (lock_after_wait) {
    if (int status = ctx.begin_write(); status != 0) return status;
    warnings.clear();
    defs = mdev::read_definitions(ctx.sysfs, warnings);
    host = mdev::scan_vgpu_host(ctx.sysfs);
    if (!host) return o.error(host.error());
    plan = mdev::plan_start(*host, defs, *uuids, args.all_auto);
  }
  for (const auto& w : warnings) o.warn(w);
  if (!plan) return o.error(plan.error());
  for (const auto& skipped : plan->skipped) o.warn("not started: " + skipped.message);
  nlohmann::json skipped = nlohmann::json::array();
  for (const auto& s : plan->skipped) skipped.push_back(tools::to_json(s));
  int status = run_plan(ctx, "start", plan->plan, args.dry_run, {{"skipped", skipped}});
  if (status == 0 && !plan->skipped.empty())
    status = sriov::exit_status(plan->skipped.front().code);
  return status;
}

struct StopArgs {
  std::vector<std::string> uuids;
  bool dry_run = false;
};

int run_stop(Context& ctx, const StopArgs& args) {
  const auto& o = ctx.out;
  auto uuids = parse_uuids(args.uuids);
  if (!uuids) return o.error(uuids.error());
  if (!args.dry_run)
    if (int status = ctx.begin_write(); status != 0) return status;
  auto loaded = load_host(ctx);
  if (!loaded.host) return loaded.status;
  std::vector<std::string> warnings;
  auto defs = mdev::read_definitions(ctx.sysfs, warnings);
  for (const auto& w : warnings) o.warn(w);
  std::vector<std::string> running, notes;
  for (const auto& u : *uuids) {
    if (loaded.host->find_instance(u).second ||
        std::any_of(loaded.host->stray.begin(), loaded.host->stray.end(),
                    [&](const mdev::MdevDevice& d) { return d.uuid == u; }))
      running.push_back(u);
    else if (mdev::find_definition(defs, u))
      notes.push_back(fmt::format("{} is defined but not running", u));
    else
      return o.error({sriov::Errc::not_found,
                      fmt::format("{} is neither running nor defined (see 'vgpuctl list')", u)});
  }
  auto plan = mdev::plan_remove(*loaded.host, running);
  if (plan) {
    plan->summary = fmt::format("stop {} vGPU{}", running.size(), running.size() == 1 ? "" : "s");
    plan->notes.insert(plan->notes.end(), notes.begin(), notes.end());
  }
  return run_plan(ctx, "stop", std::move(plan), args.dry_run);
}

}  // namespace

void add_start(CLI::App& app, Runner& selected) {
  auto args = std::make_shared<StartArgs>();
  auto* start = app.add_subcommand(
      "start",
      "Create defined instances (from /etc/mdevctl.d) by UUID, or every \"start\": "
      "\"auto\" one with --all-auto (what vgpuctl-autostart.service runs at boot)");
  tools::declare_when_used(start, [=] {
    start->add_option("UUID", args->uuids, "UUID of a defined instance");
    start->add_flag("--all-auto", args->all_auto,
                    "Start every definition with \"start\": \"auto\" that is not running; one that "
                    "cannot start is reported and the others start");
    start
        ->add_option("--wait", args->wait,
                     "Wait up to SECONDS for the parents of the definitions to appear")
        ->type_name("SECONDS")
        ->check(tools::seconds(0.0, 3600.0));
    start->add_flag("--dry-run", args->dry_run, "Print the plan and write nothing");
  });
  start->callback(
      [&selected, args] { selected = [args](Context& c) { return run_start(c, *args); }; });

  auto stop_args = std::make_shared<StopArgs>();
  auto* stop = app.add_subcommand(
      "stop", "Remove running instances and keep their definitions (start creates them again)");
  tools::declare_when_used(stop, [=] {
    stop->add_option("UUID", stop_args->uuids, "UUID of a running instance")->required();
    stop->add_flag("--dry-run", stop_args->dry_run, "Print the plan and write nothing");
  });
  stop->callback([&selected, stop_args] {
    selected = [stop_args](Context& c) { return run_stop(c, *stop_args); };
  });
}

}  // namespace vgpuctl
