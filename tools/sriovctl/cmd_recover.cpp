// sriovctl recover: roll back a run that was interrupted (kill -9, crash) from its journal.
#include "cli.hpp"
#include "tools/writing.hpp"

namespace sriovctl {
namespace {

int run_recover(Context& ctx) {
  if (int status = tools::take_host_lock(ctx.out, ctx.sysfs, ctx.options, ctx.command_line,
                                         ctx.lock);
      status != 0)
    return status;
  return recover_interrupted(ctx, true);
}

}  // namespace

void add_recover(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "recover", "Roll back a run that was interrupted half-way (its journal is in /run/sriov)");
  cmd->callback([&selected] { selected = run_recover; });
}

}  // namespace sriovctl
