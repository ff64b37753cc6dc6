// What apply, status and watch share: the host a profile is planned from, how the host differs
// from it (published files included), and the record of the last apply that status reports.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "cli.hpp"
#include "mdev/host_profile.hpp"
#include "mdev/uuid.hpp"
#include "sriov/plan.hpp"

namespace sriovctl {
namespace {

constexpr const char* kLastApply = "/run/sriov/last-apply.json";

}  // namespace

sriov::Result<mdev::HostSnapshot> read_profile_snapshot(Context& ctx, const mdev::Profile& profile,
                                                        std::vector<std::string>& warnings) {
  auto inventory = sriov::Inventory::scan(ctx.sysfs, false);
  if (!inventory) return tl::unexpected(inventory.error());
  // Without rtnetlink (a tree under --sysfs-root) VF settings are compared when they run.
  auto link = ctx.link_where_available();
  if (!link) return tl::unexpected(link.error());
  auto host = mdev::read_host_snapshot(ctx.sysfs, *inventory, profile, *link);
  if (host && host->gpus) warnings.insert(warnings.end(), host->gpus->warnings.begin(),
                                          host->gpus->warnings.end());
  return host;
}

sriov::Result<std::string> fresh_uuid() {
  auto u = mdev::Uuid::random();
  if (!u) return tl::unexpected(u.error());
  return u->str();
}

sriov::Result<ProfileDrift> measure_profile_drift(Context& ctx, const mdev::Profile& profile) {
  ProfileDrift drift;
  auto host = read_profile_snapshot(ctx, profile, drift.warnings);
  if (!host) return tl::unexpected(host.error());
  drift.host = mdev::measure_drift(*host, profile, {false, fresh_uuid});
  // Published files are part of the state: what a publish now would rewrite differs.
  for (const auto& request : profile_publications(profile)) {
    std::string name = fmt::format("{} to {}", mdev::publish::format_name(request.format),
                                   request.dir);
    auto p = prepare_publication(ctx, request, &profile);
    if (!p) {
      drift.host.problems.push_back(fmt::format("publish {}: {}", name, p.error().message));
      continue;
    }
    drift.host.devices.push_back(
        {"publish", name, sriov::net_drift(p->plan.steps, 0, p->plan.steps.size()),
         static_cast<unsigned>(p->rendered.files.size()),
         static_cast<unsigned>(p->rendered.files.size() -
                               std::min(p->rendered.files.size(), p->plan.steps.size())),
         {}});
  }
  return drift;
}

void record_apply(Context& ctx, const std::string& command, int status, size_t steps) {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  nlohmann::json record = {
      {"time", std::chrono::duration_cast<std::chrono::seconds>(now).count()},
      {"command", command},
      {"status", status},
      {"steps", steps}};
  // Best effort: status reports what it finds; an apply does not fail for its record.
  (void)ctx.sysfs.write_file(kLastApply, record.dump() + "\n");
}

std::optional<nlohmann::json> last_apply(const Context& ctx) {
  auto text = ctx.sysfs.read_opt(kLastApply);
  if (!text) return std::nullopt;
  auto j = nlohmann::json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j["time"].is_number_integer() ||
      !j["status"].is_number_integer())
    return std::nullopt;
  return j;
}

}  // namespace sriovctl
