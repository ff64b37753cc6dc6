// vgpuctl plan (--framebuffer SIZE | --type TYPE) --count N [--numa-node N] [--gpu PARENT]...:
// where N instances would go, host-wide; writes nothing.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <ostream>

#include "cli.hpp"
#include "request.hpp"

namespace vgpuctl {
namespace {

struct PlanArgs {
  RequestArgs request;
  std::vector<std::string> gpus;
  int numa_node = -1;
};

int run_plan_verb(Context& ctx, const PlanArgs& args) {
  auto request = make_request(args.request);
  if (!request) return ctx.out.error(request.error());
  auto loaded = load_host(ctx);
  if (!loaded.host) return loaded.status;
  for (const auto& spec : args.gpus) {
    auto target = mdev::find_target(*loaded.host, spec);
    if (!target) return ctx.out.error(target.error());
    request->within.push_back(target->id());
  }
  if (args.numa_node >= 0) request->numa_node = args.numa_node;
  auto plan = mdev::plan_create(*loaded.host, *request);
  if (!plan) return ctx.out.error(plan.error());
  const auto& o = ctx.out;
  if (o.json) {
    auto j = tools::plan_json("plan", plan->plan, true, nullptr);
    j.update(created_json(*plan));
    o.print_json(j);
    return 0;
  }
  tools::print_plan_text(o, plan->plan);
  // The creates that carry the plan out, one per GPU (create fills a GPU's parents or VFs
  // in the same order).
  std::vector<std::pair<std::string, unsigned>> per_parent;
  for (const auto& p : plan->placements) {
    if (!per_parent.empty() && per_parent.back().first == p.gpu)
      ++per_parent.back().second;
    else
      per_parent.emplace_back(p.gpu, 1);
  }
  o.out << "to create them:\n";
  for (const auto& [parent, n] : per_parent)
    o.out << fmt::format("  vgpuctl create {} --type {} --count {}\n", parent, plan->type_id, n);
  return 0;
}

}  // namespace

void add_plan(CLI::App& app, Runner& selected) {
  auto* cmd = app.add_subcommand(
      "plan", "Show which type and which GPUs N instances would get (host-wide); writes nothing");
  auto args = std::make_shared<PlanArgs>();
  tools::declare_when_used(cmd, [=] {
    add_request_options(*cmd, args->request, false);
    cmd->add_option("--numa-node", args->numa_node, "Only GPUs on NUMA node N")
        ->type_name("N")
        ->check(tools::decimal(0, 1023));
    cmd->add_option("--gpu", args->gpus, "Only this GPU or mdev parent (repeat for several)")
        ->type_name("PARENT")
        ->allow_extra_args(false);
  });
  cmd->callback(
      [&selected, args] { selected = [args](Context& c) { return run_plan_verb(c, *args); }; });
}

}  // namespace vgpuctl
