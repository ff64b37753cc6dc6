#include "cli.hpp"

#include <fmt/format.h>

#include <chrono>
#include <ostream>

#include "mdev/uuid.hpp"
#include "sriov/wait.hpp"
#include "tools/writing.hpp"

namespace vgpuctl {

constexpr const char* kVersion = "0.1.0";

Loaded load_host(Context& ctx) {
  Loaded loaded;
  auto host = mdev::scan_vgpu_host(ctx.sysfs);
  if (!host) {
    loaded.status = ctx.out.error(host.error());
    return loaded;
  }
  loaded.host.emplace(std::move(*host));
  return loaded;
}

sriov::Result<mdev::VgpuHost> host_with_target(Context& ctx, const std::string& parent,
                                               double wait_seconds) {
  auto host = mdev::scan_vgpu_host(ctx.sysfs);
  if (!host) return host;
  auto target = mdev::find_target(*host, parent);
  if (target || target.error().code != sriov::Errc::not_found || wait_seconds <= 0) {
    if (!target) return tl::unexpected(target.error());
    return host;
  }
  // Parents appear late (driver load, VFs after sriov-manage): wait for the kernel's events.
  auto present = [&] {
    auto again = mdev::scan_vgpu_host(ctx.sysfs);
    if (!again || !mdev::find_target(*again, parent)) return false;
    host = std::move(again);
    return true;
  };
  auto timeout = std::chrono::milliseconds(static_cast<long>(wait_seconds * 1000));
  ctx.out.show_progress(fmt::format("waiting up to {:g} s for {}", wait_seconds, parent));
  bool appeared = sriov::wait_until(ctx.sysfs, present, timeout);
  ctx.out.clear_progress();
  if (!appeared) {
    auto e = target.error();
    e.message += fmt::format(" after waiting {} s", wait_seconds);
    return tl::unexpected(e);
  }
  return host;
}

sriov::Result<std::vector<std::string>> parse_uuids(const std::vector<std::string>& texts) {
  std::vector<std::string> out;
  for (const auto& t : texts) {
    auto u = mdev::Uuid::parse(t);
    if (!u) return tl::unexpected(u.error());
    out.push_back(u->str());
  }
  return out;
}

sriov::Result<std::vector<std::string>> random_uuids(size_t n) {
  auto uuids = mdev::Uuid::random(n);
  if (!uuids) return tl::unexpected(uuids.error());
  std::vector<std::string> out;
  out.reserve(n);
  for (const auto& u : *uuids) out.push_back(u.str());
  return out;
}

namespace {

int run_command(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
                RunnerFactory make_runner) {
  CLI::App app{
      "vgpuctl: create, place and persist vGPUs (mediated devices and NVIDIA SR-IOV "
      "vGPUs)",
      "vgpuctl"};
  GlobalOptions g;
  tools::add_common_options(app, g, fmt::format("vgpuctl {}", kVersion), "vgpuctl(8)");
  app.footer(
      "PARENT is a PCI address (0000:af:00.0 or af:00.0) or an mdev parent name (mbochs). SIZE is "
      "a whole number with a unit: 512M, 4G, 4GiB, 1024MiB (powers of 1024).\n"
      "Exit status: 0 ok (also when nothing needed changing), 1 failed (completed steps undone), "
      "2 bad usage or input, 3 refused (does not fit, cannot be mixed, exists already), 4 no such "
      "GPU/parent/type/instance, 5 a kernel write or the host lock timed out, 6 failed and undoing "
      "failed too.\n"
      "See vgpuctl(8).");

  Runner selected;
  add_list(app, selected);
  add_types(app, selected);
  add_create(app, selected);
  add_remove(app, selected);
  add_plan(app, selected);
  add_define(app, selected);
  add_start(app, selected);

  tools::list_global_options_in_verbs(app);
  if (auto status = tools::parse_command_line(app, argc, argv, out, err, "vgpuctl")) return *status;
  tools::Output o{out, err, "vgpuctl", g.json, g.verbose};
  auto progress = tools::Progress::for_terminal(g.quiet);
  o.progress = &progress;
  auto sysfs = tools::open_sysfs(g);
  if (!sysfs) return o.error(sysfs.error());
  Context ctx(o, *sysfs, g, tools::command_line("vgpuctl", argc, argv),
              {std::move(make_runner), {}});
  return selected ? selected(ctx) : 2;
}

}  // namespace

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        RunnerFactory make_runner) {
  return tools::run_escaped(out, err, [&](std::ostream& o, std::ostream& e) {
    return run_command(argc, argv, o, e, std::move(make_runner));
  });
}

}  // namespace vgpuctl
