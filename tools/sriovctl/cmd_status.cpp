// sriovctl status [-f PROFILE] [--metrics FILE]: how the host differs from its profiles, per
// PF, GPU and published format; exit 0 in sync, kExitDrift when it differs. Reads only: the
// host lock is held for the snapshot alone, so that an apply in progress is not seen half-done.
#include <fmt/format.h>

#include <filesystem>
#include <memory>

#include "cli.hpp"
#include "status_report.hpp"

namespace sriovctl {
namespace {

struct StatusArgs {
  ProfilePaths profile = {kProfilesDir};
  std::optional<std::string> metrics;
};

}  // namespace

// The metrics file is written whole or not at all (a textfile collector may read it at any
// moment): Sysfs::write_file writes a temporary file and renames it.
sriov::Status write_metrics(const std::string& file, const std::string& text) {
  std::error_code ec;
  auto path = std::filesystem::absolute(file, ec);
  if (ec) return sriov::fail(sriov::Errc::io, fmt::format("--metrics {}: {}", file, ec.message()));
  return sriov::Sysfs("/").write_file(path.string(), text);
}

// Lock, snapshot, unlock: the rest is computed from the snapshot.
sriov::Result<StatusReport> read_status(Context& ctx, const mdev::Profile& profile) {
  StatusReport report;
  report.files = profile.files;
  std::optional<sriov::HostLock> lock;
  if (!ctx.lock) {
    auto l = sriov::HostLock::acquire(
        ctx.sysfs, std::chrono::milliseconds(static_cast<long>(ctx.options.lock_timeout_seconds * 1000)),
        ctx.command_line);
    if (!l && l.error().code == sriov::Errc::timeout) return tl::unexpected(l.error());
    if (l) lock.emplace(std::move(*l));
    else report.drift.warnings.push_back("reading without the host lock: " + l.error().message);
  }
  auto drift = measure_profile_drift(ctx, profile);
  lock.reset();
  if (!drift) return tl::unexpected(drift.error());
  report.drift.host = std::move(drift->host);
  report.drift.warnings.insert(report.drift.warnings.end(), drift->warnings.begin(),
                               drift->warnings.end());
  report.last_apply = last_apply(ctx);
  return report;
}

int report_status(Context& ctx, const StatusReport& report, const std::optional<std::string>& metrics) {
  if (!report.drift.host.problems.empty())
    return ctx.out.error(sriov::profile_error(report.drift.host.problems));
  if (metrics)
    if (auto ok = write_metrics(*metrics, status_metrics(report)); !ok)
      return ctx.out.error(ok.error());
  if (ctx.out.json) {
    ctx.out.print_json(status_json(report));
  } else {
    for (const auto& w : report.drift.warnings) ctx.out.warn(w);
    print_status_text(ctx.out.out, report);
  }
  return report.in_sync() ? 0 : kExitDrift;
}

namespace {

int run_status(Context& ctx, const StatusArgs& args) {
  auto profile = load_profile_args(args.profile);
  if (!profile) return ctx.out.error(profile.error());
  auto report = read_status(ctx, *profile);
  if (!report) return ctx.out.error(report.error());
  return report_status(ctx, *report, args.metrics);
}

}  // namespace

void add_status(CLI::App& app, Runner& selected) {
  auto args = std::make_shared<StatusArgs>();
  auto* cmd = app.add_subcommand(
      "status", "Say how the host differs from its profiles (exit 0 in sync, 7 drift); writes nothing");
  tools::declare_when_used(cmd, [=] {
    add_profile_option(cmd, args->profile, false);
    cmd->add_option("--metrics", args->metrics,
                    "Also write the drift as an OpenMetrics textfile (node_exporter), atomically")
        ->type_name("FILE");
  });
  cmd->callback([&selected, args] {
    selected = [args](Context& c) { return run_status(c, *args); };
  });
}

}  // namespace sriovctl
