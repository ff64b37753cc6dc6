#include "tools/front_end.hpp"

#include <fmt/format.h>

#include "tools/fault_injection.hpp"
#include "tools/writing.hpp"

namespace tools {
namespace {

nlohmann::json counters_json(const sriov::LinkCounters& c) {
  return {{"get_requests", c.get_requests},
          {"set_requests", c.set_requests},
          {"retries", c.retries}};
}

}  // namespace

sriov::Result<sriov::Sysfs> open_sysfs(const CommonOptions& options) {
  auto sysfs = sriov::Sysfs::from(options.sysfs_root);
  if (sysfs) sysfs->set_read_timeout(tools::kernel_options(options).write_timeout);
  return sysfs;
}

sriov::KernelOptions Context::kernel_options() const { return tools::kernel_options(options); }

int Context::begin_write() {
  if (lock) return 0;
  return tools::begin_write(out, sysfs, options, command_line, lock);
}

sriov::Result<sriov::LinkBackend*> Context::link() {
  if (link_) return link_.get();
  if (injected.make_link) {
    link_ = injected.make_link();
  } else {
    if (!sysfs.live())
      return sriov::fail(sriov::Errc::unsupported,
                         fmt::format("VF settings are read and written over rtnetlink on the live "
                                     "host; a tree under --sysfs-root ({}) has none",
                                     sysfs.root().string()));
    link_ = sriov::make_netlink_backend();
  }
  return link_.get();
}

int run_plan(Context& ctx, const std::string& command, sriov::Result<sriov::Plan> plan,
             bool dry_run, nlohmann::json extra) {
  const auto& o = ctx.out;
  if (!plan) return o.error(plan.error());
  auto* link = ctx.link_if_made();
  if (dry_run) {
    if (link) extra["netlink"] = counters_json(link->counters());
    return dry_run_plan(o, ctx.sysfs, command, *plan, extra);
  }
  if (o.verbose && !o.json) print_plan_text(o, *plan);
  if (int status = ctx.begin_write(); status != 0) return status;
  std::unique_ptr<sriov::StepRunner> runner =
      ctx.injected.make_runner
          ? ctx.injected.make_runner(ctx.sysfs, ctx.kernel_options(), link)
          : std::make_unique<sriov::KernelRunner>(ctx.sysfs, ctx.kernel_options(), link);
  auto* kernel = dynamic_cast<sriov::KernelRunner*>(runner.get());
  runner = with_fault_injection(std::move(runner), ctx.sysfs,
                                [&](const std::string& w) { o.warn(w); });
  auto executed = execute_journaled(o, ctx.sysfs, ctx.command_line, *plan, *runner);
  if (!executed) return o.error(executed.error());
  auto& report = *executed;
  if (kernel) report.warnings = kernel->warnings();
  if (o.json) {
    auto j = plan_json(command, *plan, false, &report);
    j.update(extra);
    if (link) j["netlink"] = counters_json(link->counters());
    o.print_json(j);
  } else {
    print_report_text(o, *plan, report);
    if (link && o.verbose) {
      auto c = link->counters();
      o.err << fmt::format("netlink: {} get, {} set requests, {} retries\n", c.get_requests,
                           c.set_requests, c.retries);
    }
  }
  if (report.error) return o.error_line(*report.error);
  return 0;
}

}  // namespace tools
