#include "cli.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iostream>
#include <ostream>

#include "mdev/profile_file.hpp"
#include "sriov/inventory.hpp"
#include "sriov/sysfs.hpp"
#include "tools/writing.hpp"

namespace sriovctl {

constexpr const char* kVersion = "0.1.0";

int recover_interrupted(Context& ctx, bool report_when_clean) {
  return tools::recover_interrupted(ctx.out, ctx.sysfs, ctx.kernel_options(), report_when_clean);
}

void add_profile_option(CLI::App* cmd, ProfilePaths& paths, bool required) {
  auto* opt = cmd->add_option("-f,--file", paths,
                              std::string("Profile: a YAML file, a directory of *.yaml/*.yml "
                                          "files, or - for standard input (sriov-profile(5)); "
                                          "repeat to merge several") +
                                  (required ? "" : " (default /etc/sriov/profiles.d)"));
  opt->type_name("PROFILE");
  if (required) opt->required();
}

sriov::Result<mdev::Profile> load_profile_args(const ProfilePaths& paths) {
  std::optional<std::string> stdin_text;
  auto from_stdin = std::count(paths.begin(), paths.end(), "-");
  if (from_stdin > 1)
    return sriov::fail(sriov::Errc::invalid_input, "-f - is given twice: standard input is "
                                                   "read once");
  if (from_stdin == 1) {
    std::string text;
    char buf[65536];
    while (std::cin.read(buf, sizeof buf) || std::cin.gcount() > 0) {
      text.append(buf, static_cast<size_t>(std::cin.gcount()));
      if (text.size() > sriov::kMaxStateFileBytes)
        return sriov::fail(sriov::Errc::invalid_input,
                           fmt::format("{}: more than {} MiB; a profile is small",
                                       mdev::kStdinName, sriov::kMaxStateFileBytes >> 20));
    }
    stdin_text = std::move(text);
  }
  return mdev::load_profiles(paths, stdin_text);
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

int run_command(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                tools::Injected injected) {
  CLI::App app{"sriovctl: create, bind, configure and inspect SR-IOV virtual functions", "sriovctl"};
  GlobalOptions g;
  tools::add_common_options(app, g, fmt::format("sriovctl {}", kVersion), "sriovctl(8)");
  app.footer(
      "Exit status: 0 ok (also when nothing needed changing), 1 failed (completed steps undone), "
      "2 bad usage or input, 3 refused by a safety rule, 4 no such PF/VF/driver, 5 a kernel write "
      "or the host lock timed out, 6 failed and undoing failed too, 7 (status, watch --once, "
      "--detailed-exitcode) the host differs from its profiles.\nSee sriovctl(8).");

  Runner selected;
  add_list(app, selected);
  add_show(app, selected);
  add_create(app, selected);
  add_destroy(app, selected);
  add_bind(app, selected);
  add_set(app, selected);
  add_apply(app, selected);
  add_recover(app, selected);
  add_publish(app, selected);
  add_status(app, selected);
  add_watch(app, selected);
  tools::list_global_options_in_verbs(app);

  if (auto status = tools::parse_command_line(app, argc, argv, out, err, "sriovctl")) return *status;
  tools::Output o{out, err, "sriovctl", g.json, g.verbose};
  auto progress = tools::Progress::for_terminal(g.quiet);
  o.progress = &progress;
  auto sysfs = tools::open_sysfs(g);
  if (!sysfs) return o.error(sysfs.error());
  Context ctx(o, *sysfs, g, tools::command_line("sriovctl", argc, argv), std::move(injected));
  return selected ? selected(ctx) : 2;
}

}  // namespace

Loaded load_for_write(Context& ctx, bool dry_run,
                      const std::function<sriov::Status(const sriov::Inventory&)>& check) {
  // A dry run takes no lock: its one read is the one the plan is made from.
  if (dry_run) {
    auto loaded = load_inventory(ctx);
    if (loaded.inventory)
      if (auto ok = check(*loaded.inventory); !ok) {
        loaded.status = ctx.out.error(ok.error());
        loaded.inventory.reset();
      }
    return loaded;
  }
  // A scan that fails before the lock (devices vanishing under another writer) decides
  // nothing: the one under the lock does.
  if (auto early = sriov::Inventory::scan(ctx.sysfs, false))
    if (auto ok = check(*early); !ok) {
      Loaded failed;
      failed.status = ctx.out.error(ok.error());
      return failed;
    }
  Loaded locked;
  if (locked.status = ctx.begin_write(); locked.status != 0) return locked;
  return load_inventory(ctx);
}

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        tools::Injected injected) {
  return tools::run_escaped(out, err, [&](std::ostream& o, std::ostream& e) {
    return run_command(argc, argv, o, e, std::move(injected));
  });
}

}  // namespace sriovctl
