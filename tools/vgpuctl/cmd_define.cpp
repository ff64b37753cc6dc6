// vgpuctl define PARENT --type TYPE [--uuid UUID] [--start auto|manual] and
// vgpuctl undefine UUID: persistent instances in mdevctl's format (/etc/mdevctl.d).
#include <memory>
#include <ostream>

#include "cli.hpp"

namespace vgpuctl {
namespace {

struct DefineArgs {
  std::string parent, type, uuid, start = "manual";
  bool dry_run = false;
};

int run_define(Context& ctx, const DefineArgs& args) {
  const auto& o = ctx.out;
  std::string uuid;
  if (args.uuid.empty()) {
    auto fresh = random_uuids(1);
    if (!fresh) return o.error(fresh.error());
    uuid = fresh->front();
  } else {
    auto given = parse_uuids({args.uuid});
    if (!given) return o.error(given.error());
    uuid = given->front();
  }
  mdev::DefineRequest request{args.parent, args.type, uuid, args.start == "auto"};
  std::vector<std::string> warnings;
  if (!args.dry_run) {
    // A malformed PARENT is an error before the lock, and writes nothing; what depends on
    // definitions and instances (which other writers change) is decided under the lock.
    // A scan that fails here (devices vanishing under another writer) decides nothing.
    if (auto early = mdev::scan_vgpu_host(ctx.sysfs)) {
      auto checked =
          mdev::plan_define(*early, mdev::read_definitions(ctx.sysfs, warnings), request);
      if (!checked && checked.error().code == sriov::Errc::invalid_input)
        return o.error(checked.error());
    }
    if (int status = ctx.begin_write(); status != 0) return status;
    warnings.clear();
  }
  auto loaded = load_host(ctx);
  if (!loaded.host) return loaded.status;
  auto defs = mdev::read_definitions(ctx.sysfs, warnings);
  for (const auto& w : warnings) o.warn(w);
  return run_plan(ctx, "define", mdev::plan_define(*loaded.host, defs, request), args.dry_run,
                  {{"uuid", uuid}});
}

struct UndefineArgs {
  std::string uuid;
  bool dry_run = false;
};

int run_undefine(Context& ctx, const UndefineArgs& args) {
  const auto& o = ctx.out;
  auto uuid = parse_uuids({args.uuid});
  if (!uuid) return o.error(uuid.error());
  if (!args.dry_run)
    if (int status = ctx.begin_write(); status != 0) return status;
  std::vector<std::string> warnings;
  auto defs = mdev::read_definitions(ctx.sysfs, warnings);
  for (const auto& w : warnings) o.warn(w);
  const auto* def = mdev::find_definition(defs, uuid->front());
  std::string content = def ? ctx.sysfs.read_opt(def->path).value_or("") : "";
  return run_plan(ctx, "undefine", mdev::plan_undefine(defs, uuid->front(), content), args.dry_run,
                  {{"uuid", uuid->front()}});
}

}  // namespace

void add_define(CLI::App& app, Runner& selected) {
  auto* define =
      app.add_subcommand("define",
                         "Define a persistent instance in /etc/mdevctl.d (mdevctl's format); start "
                         "creates it");
  auto args = std::make_shared<DefineArgs>();
  tools::declare_when_used(define, [=] {
    define
        ->add_option("PARENT", args->parent,
                     "mdev parent: PCI address (0000:af:00.0 or af:00.0) or name (mbochs)")
        ->required();
    define->add_option("--type", args->type, "mdev type id (nvidia-230) or name (\"GRID T4-1Q\")")
        ->required()
        ->type_name("TYPE");
    define->add_option("--uuid", args->uuid, "UUID of the instance (default: a random one)")
        ->type_name("UUID");
    define
        ->add_option("--start", args->start,
                     "auto: created at boot by 'vgpuctl start --all-auto' (and by mdevctl); "
                     "manual (default): only by 'vgpuctl start UUID'")
        ->type_name("auto|manual")
        ->check(CLI::IsMember({"auto", "manual"}));
    define->add_flag("--dry-run", args->dry_run, "Print the plan and write nothing");
  });
  define->callback(
      [&selected, args] { selected = [args](Context& c) { return run_define(c, *args); }; });

  auto un = std::make_shared<UndefineArgs>();
  auto* undefine = app.add_subcommand(
      "undefine",
      "Remove the definition of an instance from /etc/mdevctl.d (a running instance "
      "keeps running)");
  tools::declare_when_used(undefine, [=] {
    undefine->add_option("UUID", un->uuid, "UUID of the defined instance")->required();
    undefine->add_flag("--dry-run", un->dry_run, "Print the plan and write nothing");
  });
  undefine->callback(
      [&selected, un] { selected = [un](Context& c) { return run_undefine(c, *un); }; });
}

}  // namespace vgpuctl
