#include "cli.hpp"

#include <fmt/format.h>

#include <ostream>

#include "sriov/inventory.hpp"
#include "tools/writing.hpp"

namespace sriovctl {

constexpr const char* kVersion = "0.1.0";

sriov::KernelOptions Context::kernel_options() const { return tools::kernel_options(options); }

int Context::begin_write() {
  return tools::begin_write(out, sysfs, options, command_line, lock);
}

int recover_interrupted(Context& ctx, bool report_when_clean) {
  return tools::recover_interrupted(ctx.out, ctx.sysfs, ctx.kernel_options(), report_when_clean);
}

Loaded load_inventory(Context& ctx, bool with_names) {
  Loaded loaded;
  auto inv = sriov::Inventory::scan(ctx.sysfs, with_names);
  if (!inv) {
    loaded.status = ctx.out.error(inv.error());
    return loaded;
  }
  loaded.inventory.emplace(std::move(*inv));
  return loaded;
}

namespace {

nlohmann::json counters_json(const sriov::LinkCounters& c) {
  return {{"get_requests", c.get_requests},
          {"set_requests", c.set_requests},
          {"retries", c.retries}};
}

}  // namespace

int run_plan(Context& ctx, const std::string& command, sriov::Result<sriov::Plan> plan,
             bool dry_run, sriov::LinkBackend* link) {
  const auto& o = ctx.out;
  if (!plan) return o.error(plan.error());
  if (dry_run) {
    nlohmann::json extra = nlohmann::json::object();
    if (link) extra["netlink"] = counters_json(link->counters());
    return tools::dry_run(o, ctx.sysfs, command, *plan, extra);
  }
  if (o.verbose && !o.json) tools::print_plan_text(o, *plan);
  if (!ctx.lock) {
    if (int status = ctx.begin_write(); status != 0) return status;
  }
  sriov::KernelRunner runner(ctx.sysfs, ctx.kernel_options(), link);
  auto executed = tools::execute_journaled(o, ctx.sysfs, ctx.command_line, *plan, runner);
  if (!executed) return o.error(executed.error());
  auto& report = *executed;
  report.warnings = runner.warnings();
  if (o.json) {
    auto j = tools::plan_json(command, *plan, false, &report);
    if (link) j["netlink"] = counters_json(link->counters());
    o.print_json(j);
  } else {
    tools::print_report_text(o, *plan, report);
    if (link && o.verbose) {
      auto c = link->counters();
      o.err << fmt::format("netlink: {} get, {} set requests, {} retries\n", c.get_requests,
                           c.set_requests, c.retries);
    }
  }
  if (report.error) {
    o.err << o.program << ": error: " << report.error->message << "\n";
    return sriov::exit_status(report.error->code);
  }
  return 0;
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"sriovctl: create, bind, configure and inspect SR-IOV virtual functions", "sriovctl"};
  GlobalOptions g;
  tools::add_common_options(app, g, fmt::format("sriovctl {}", kVersion), "sriovctl(8)");
  app.footer(
      "Exit status: 0 ok (also when nothing needed changing), 1 failed (completed steps undone), "
      "2 bad usage or input, 3 refused by a safety rule, 4 no such PF/VF/driver, 5 a kernel write "
      "or the host lock timed out, 6 failed and undoing failed too.\nSee sriovctl(8).");

  Runner selected;
  add_list(app, selected);
  add_show(app, selected);
  add_create(app, selected);
  add_destroy(app, selected);
  add_bind(app, selected);
  add_set(app, selected);
  add_apply(app, selected);
  add_recover(app, selected);

  if (auto status = tools::parse_command_line(app, argc, argv, out, err, "sriovctl")) return *status;
  tools::Output o{out, err, "sriovctl", g.json, g.verbose};
  auto sysfs = sriov::Sysfs::from(g.sysfs_root);
  if (!sysfs) return o.error(sysfs.error());
  Context ctx{o, *sysfs, g, tools::command_line("sriovctl", argc, argv), std::nullopt};
  return selected ? selected(ctx) : 2;
}

}  // namespace sriovctl
