// sriovctl recover: roll back a run that was interrupted (kill -9, crash) from its journal.
#include "cli.hpp"

namespace sriovctl {
namespace {

int run_recover(Context& ctx) {
  auto acquired = sriov::HostLock::acquire(
      ctx.sysfs,
      std::chrono::milliseconds(static_cast<long>(ctx.options.lock_timeout_seconds * 1000)),
      ctx.command_line);
  if (!acquired) return ctx.out.error(acquired.error());
  ctx.lock.emplace(std::move(*acquired));
  return recover_interrupted(ctx, true);
}

}  // namespace

void add_recover(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "recover", "Roll back a run that was interrupted half-way (its journal is in /run/sriov)");
  cmd->callback([&selected] { selected = run_recover; });
}

}  // namespace sriovctl
