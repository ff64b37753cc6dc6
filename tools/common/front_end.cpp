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

sriov::Result<sriov::LinkBackend*> Context::link_where_available() {
  if (!sysfs.live() && !injected.make_link) return nullptr;
  return link();
}

std::unique_ptr<sriov::StepRunner> Context::make_runner(sriov::KernelRunner*& kernel) {
  auto* link = link_if_made();
  std::unique_ptr<sriov::StepRunner> runner =
      injected.make_runner ? injected.make_runner(sysfs, kernel_options(), link)
                           : std::make_unique<sriov::KernelRunner>(sysfs, kernel_options(), link);
  kernel = dynamic_cast<sriov::KernelRunner*>(runner.get());
  return with_fault_injection(std::move(runner), sysfs, [this](const std::string& w) { out.warn(w); });
}

sriov::Result<sriov::ExecutionReport> Context::execute(sriov::Plan& plan) {
  sriov::KernelRunner* kernel = nullptr;
  static const Progress off(false);
  auto runner = with_progress(make_runner(kernel), out.progress ? *out.progress : off,
                              plan.steps.size());
  auto executed = execute_journaled(out, sysfs, command_line, plan, *runner);
  out.clear_progress();
  if (executed && kernel) executed->warnings = kernel->warnings();
  return executed;
}

int run_plan(Context& ctx, const std::string& command, sriov::Result<sriov::Plan> plan,
             bool dry_run, nlohmann::json extra, const AfterSuccess& after) {
  const auto& o = ctx.out;
  if (!plan) return o.error(plan.error());
  auto* link = ctx.link_if_made();
  if (dry_run) {
    if (link) extra["netlink"] = counters_json(link->counters());
    return dry_run_plan(o, ctx.sysfs, command, *plan, extra);
  }
  if (o.verbose && !o.json) print_plan_text(o, *plan);
  if (int status = ctx.begin_write(); status != 0) return status;
  auto executed = ctx.execute(*plan);
  if (!executed) return o.error(executed.error());
  auto& report = *executed;
  // What follows a plan that ran to completion (apply: publishing) reports after it, and in
  // JSON inside its object, so a script still reads one object.
  int after_status = 0;
  nlohmann::json then;
  bool run_after = after && !report.error;
  if (o.json) {
    if (run_after) after_status = after(ctx, then);
    auto j = plan_json(command, *plan, false, &report);
    j.update(extra);
    if (!then.is_null()) j.update(then);
    if (link) j["netlink"] = counters_json(link->counters());
    o.print_json(j);
  } else {
    print_report_text(o, *plan, report);
    if (link && o.verbose) {
      auto c = link->counters();
      o.err << fmt::format("netlink: {} get, {} set requests, {} retries\n", c.get_requests,
                           c.set_requests, c.retries);
    }
    if (run_after) after_status = after(ctx, then);
  }
  if (report.error) return o.error_line(*report.error);
  return after_status;
}

}  // namespace tools
