// sriovctl plan -f PROFILE / sriovctl apply -f PROFILE: make the host match a profile. The
// nics and the gpus entries are planned apart (libsriov, libmdev) and run as one plan.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "cli.hpp"
#include "mdev/host_profile.hpp"
#include "mdev/profile.hpp"
#include "sriov/inventory.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/planner.hpp"
#include "mdev/profile_file.hpp"
#include "mdev/uuid.hpp"
#include "sriov/wait.hpp"

namespace sriovctl {
namespace {

struct ApplyArgs {
  ProfilePaths profile;
  bool dry_run = false;
  bool allow_disruption = false;
  bool detailed_exitcode = false;
  double wait_seconds = 0;
};

// PFs and GPUs whose driver appears late (module loaded by udev after this runs at boot): wait
// until every PF and GPU the profile names or matches is there, or the time is up.
void wait_for_devices(Context& ctx, const mdev::Profile& profile, double seconds) {
  auto all_present = [&] {
    auto inv = sriov::Inventory::scan(ctx.sysfs, false);
    if (!inv) return false;
    for (const auto& nic : profile.nics) {
      if (nic.select.pf) {
        if (!inv->find_pf(*nic.select.pf)) return false;
        continue;
      }
      const auto& pfs = inv->pfs();
      if (std::none_of(pfs.begin(), pfs.end(),
                       [&](const auto& pf) { return sriov::matches(nic.select, pf); }))
        return false;
    }
    if (profile.gpus.empty()) return true;
    auto host = mdev::scan_vgpu_host(ctx.sysfs);
    return host && mdev::profile_gpus_present(*host, profile);
  };
  ctx.out.show_progress(fmt::format("waiting up to {:g} s for the profile's devices", seconds));
  bool present = sriov::wait_until(ctx.sysfs, all_present,
                                   std::chrono::milliseconds(static_cast<long>(seconds * 1000)));
  ctx.out.clear_progress();
  if (!present)
    ctx.out.warn(
        fmt::format("not every {} of the profile appeared within {:g} s; planning with "
                    "what is there",
                    profile.gpus.empty() ? "PF" : "PF and GPU", seconds));
}

// --detailed-exitcode after a dry run: 0 when an apply would change nothing (no step, no
// published file), kExitDrift when it would, 3 when it would refuse (a disruptive step that
// plan shows but apply takes only with --allow-disruption).
int pending_status(Context& ctx, const mdev::Profile& profile, size_t steps,
                   size_t disruptive) {
  if (disruptive > 0) {
    ctx.out.warn(fmt::format("apply would refuse this plan: {} of its steps {} disruptive "
                             "(apply it with --allow-disruption)",
                             disruptive, disruptive == 1 ? "is" : "are"));
    return sriov::exit_status(sriov::Errc::refused);
  }
  if (steps > 0) return kExitDrift;
  for (const auto& request : profile_publications(profile)) {
    auto p = prepare_publication(ctx, request, &profile);
    if (!p) return ctx.out.error(p.error());
    if (!p->plan.steps.empty()) return kExitDrift;
  }
  return 0;
}

int run_apply(Context& ctx, const ApplyArgs& args, bool plan_only) {
  auto profile = load_profile_args(args.profile);
  if (!profile) return ctx.out.error(profile.error());
  bool dry_run = plan_only || args.dry_run;
  // Devices first, without the lock (a vgpuctl waiting for the same GPUs must not wait for
  // us), then the lock, then the snapshot: the policy of every writer (tools::Context).
  if (args.wait_seconds > 0) wait_for_devices(ctx, *profile, args.wait_seconds);
  if (!dry_run)
    if (int status = ctx.begin_write(); status != 0) return status;
  std::vector<std::string> warnings;
  auto host = read_profile_snapshot(ctx, *profile, warnings);
  if (!host) return ctx.out.error(host.error());
  for (const auto& w : warnings) ctx.out.warn(w);
  // plan shows every step with what it disrupts; apply refuses disruption unless allowed.
  auto plan = mdev::plan_host_profile(*host, *profile, {plan_only || args.allow_disruption, fresh_uuid});
  // Published files describe the host as the apply leaves it: they are rendered after its
  // steps ran, and only when all of them did.
  if (plan)
    for (const auto& r : profile_publications(*profile))
      plan->notes.push_back(fmt::format("then publish {} to {}",
                                        mdev::publish::format_name(r.format), r.dir));
  tools::AfterSuccess after;
  if (!profile->publish.empty())
    after = [&profile](Context& c, nlohmann::json& report) {
      return publish_profile(c, *profile, report);
    };
  size_t steps = plan ? plan->steps.size() : 0;
  size_t disruptive = 0;
  if (plan && plan_only)  // apply plans without them unless --allow-disruption
    disruptive = std::count_if(plan->steps.begin(), plan->steps.end(),
                               [](const auto& s) { return !sriov::disruption(s).empty(); });
  int status = run_plan(ctx, plan_only ? "plan" : "apply", std::move(plan), dry_run,
                        nlohmann::json::object(), after);
  if (!dry_run) record_apply(ctx, ctx.command_line, status, steps);
  if (dry_run && args.detailed_exitcode && status == 0)
    return pending_status(ctx, *profile, steps, disruptive);
  return status;
}

CLI::Option* add_detailed_exitcode(CLI::App* cmd, bool& flag) {
  return cmd->add_flag("--detailed-exitcode", flag,
                "Exit 0 when there is nothing to do, 7 when changes are pending, 3 when apply "
                "would refuse them (with plan, or apply --dry-run)");
}

}  // namespace

void add_apply(CLI::App& app, Runner& selected) {
  auto plan_args = std::make_shared<ApplyArgs>();
  auto* plan = app.add_subcommand(
      "plan", "Print the steps that would make the host match a profile, with what each disrupts");
  tools::declare_when_used(plan, [=] {
    add_profile_option(plan, plan_args->profile, true);
    add_detailed_exitcode(plan, plan_args->detailed_exitcode);
  });
  plan->callback([&selected, plan_args] {
    selected = [plan_args](Context& c) { return run_apply(c, *plan_args, true); };
  });

  auto args = std::make_shared<ApplyArgs>();
  auto* apply = app.add_subcommand("apply", "Make the host match a profile (idempotent)");
  tools::declare_when_used(apply, [=] {
    add_profile_option(apply, args->profile, true);
    auto* dry = apply->add_flag("--dry-run", args->dry_run, "Print the plan and write nothing");
    add_detailed_exitcode(apply, args->detailed_exitcode)->needs(dry);
    apply->add_flag("--allow-disruption", args->allow_disruption,
                    "Allow steps that destroy VFs or vGPUs, move VFs off their driver or change a "
                    "GPU's vGPU type");
    apply
        ->add_option("--wait-for-devices", args->wait_seconds,
                     "Wait up to SECONDS for the profile's PFs and GPUs to appear (boot: late "
                     "drivers)")
        ->type_name("SECONDS")
        ->check(tools::seconds(0.0, 3600.0));
  });
  apply->callback([&selected, args] {
    selected = [args](Context& c) { return run_apply(c, *args, false); };
  });
}

}  // namespace sriovctl
