#include "cli.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include "sriov/inventory.hpp"

namespace sriovctl {

constexpr const char* kVersion = "0.1.0";

sriov::KernelOptions Context::kernel_options() const {
  sriov::KernelOptions k;
  k.write_timeout = std::chrono::milliseconds(static_cast<long>(options.timeout_seconds * 1000));
  return k;
}

Loaded load_inventory(Context& ctx) {
  Loaded loaded;
  auto inv = sriov::Inventory::scan(ctx.sysfs);
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
    if (o.json) {
      auto j = tools::plan_json(command, *plan, true, nullptr);
      if (link) j["netlink"] = counters_json(link->counters());
      o.print_json(j);
    } else {
      tools::print_plan_text(o, *plan);
      o.out << "dry run: nothing was written\n";
    }
    return 0;
  }
  if (o.verbose && !o.json) tools::print_plan_text(o, *plan);
  sriov::KernelRunner runner(ctx.sysfs, ctx.kernel_options(), link);
  auto report = sriov::execute(*plan, runner);
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
  app.set_version_flag("--version", fmt::format("sriovctl {}", kVersion));
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions g;
  app.add_option("--sysfs-root", g.sysfs_root,
                 "Read and write the host tree under DIR instead of / (env SRIOV_SYSFS_ROOT)")
      ->type_name("DIR");
  app.add_flag("--json", g.json, "Print JSON (shapes in sriovctl(8))");
  app.add_flag("-v,--verbose", g.verbose, "Print the plan before executing it");
  app.add_option("--timeout", g.timeout_seconds,
                 "Watchdog for kernel writes that can block, in seconds (default 60)")
      ->type_name("SECONDS")
      ->check(CLI::Range(0.1, 3600.0));
  app.footer(
      "Exit status: 0 ok (also when nothing needed changing), 1 failed (completed steps undone), "
      "2 bad usage or input, 3 refused by a safety rule, 4 no such PF/VF/driver, 5 a kernel write "
      "timed out, 6 failed and undoing failed too.\nSee sriovctl(8).");

  Runner selected;
  add_list(app, selected);
  add_show(app, selected);
  add_create(app, selected);
  add_destroy(app, selected);
  add_bind(app, selected);
  add_set(app, selected);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    err << "sriovctl: error: " << e.what() << " (see sriovctl --help)\n";
    return 2;
  }
  tools::Output o{out, err, "sriovctl", g.json, g.verbose};
  auto sysfs = sriov::Sysfs::from(g.sysfs_root);
  if (!sysfs) return o.error(sysfs.error());
  Context ctx{o, *sysfs, g};
  return selected ? selected(ctx) : 2;
}

}  // namespace sriovctl
