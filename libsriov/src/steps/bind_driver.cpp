// The step kind that moves one VF to another driver (or off its driver).
#include "sriov/steps/bind_driver.hpp"

#include <fmt/format.h>

#include "pci_driver.hpp"
#include "sriov/holders.hpp"
#include "sriov/json_text.hpp"
#include "sriov/step_codec.hpp"

namespace sriov {
namespace {

std::string driver_text(const std::optional<std::string>& driver) {
  return driver ? *driver : "no driver";
}

}  // namespace

std::string StepKind<BindDriver>::action(const BindDriver& b) { return b.to ? "bind" : "unbind"; }
std::string StepKind<BindDriver>::target(const BindDriver& b) { return b.vf.str(); }
std::string StepKind<BindDriver>::group(const BindDriver& b) { return b.pf; }

std::string StepKind<BindDriver>::describe(const BindDriver& b) {
  if (!b.to)
    return fmt::format("unbind VF {} ({}) of {} from {}", b.vf_index, b.vf.str(), b.pf,
                       driver_text(b.from));
  return fmt::format("bind VF {} ({}) of {} to {}", b.vf_index, b.vf.str(), b.pf, *b.to);
}

std::string StepKind<BindDriver>::disruption(const BindDriver& b) {
  if (!b.from) return {};
  if (!b.to) return fmt::format("unbinds VF {} from {}", b.vf_index, *b.from);
  return fmt::format("rebinds VF {} from {}", b.vf_index, *b.from);
}

// driver_override is set to the new driver and left there, so that the VF stays on it.
std::vector<Write> StepKind<BindDriver>::writes(const BindDriver& b) {
  return detail::driver_writes(b.vf, b.from, b.to, b.to);
}

// Unbinding a VF that a process holds through VFIO would block until it lets go.
std::vector<Difference> StepKind<BindDriver>::drift(const BindDriver& b) {
  return {{fmt::format("{} VF {}", b.pf, b.vf_index), "driver", driver_text(b.to),
           driver_text(b.from)}};
}

Status StepKind<BindDriver>::check(const BindDriver& b, StepContext& ctx) {
  std::string dev = detail::pci_dev(b.vf);
  auto now = ctx.sysfs().link_name(dev + "/driver");
  if (!now || now == b.to) return {};
  if (auto holders = ctx.holders().of_device(ctx.sysfs(), dev); !holders.empty())
    return tl::unexpected(
        held_refusal(fmt::format("unbind {} from {}", b.vf.str(), *now), holders.front(), dev));
  return {};
}

Status StepKind<BindDriver>::apply(BindDriver& b, StepContext& ctx) {
  const Sysfs& sysfs = ctx.sysfs();
  std::string dev = detail::pci_dev(b.vf);
  if (!sysfs.exists(dev))
    return fail(Errc::not_found, fmt::format("VF {} ({}) does not exist", b.vf_index, b.vf.str()),
                dev);
  // What is bound now is what an undo restores (new VFs may have been probed by autoprobe).
  b.from = sysfs.link_name(dev + "/driver");
  auto ov = sysfs.read_opt(dev + "/driver_override");
  b.from_override = ov && !ov->empty() && *ov != "(null)" ? ov : std::nullopt;
  if (b.from == b.to) return {};
  auto moved = detail::move_driver(ctx, b.vf, b.from, b.to, b.to);
  if (moved) return {};
  // Put the VF back where it was before reporting, so a failed step leaves nothing behind.
  auto now = sysfs.link_name(dev + "/driver");
  auto back = detail::move_driver(ctx, b.vf, now, b.from_override, b.from);
  Error e = moved.error();
  e.message += back ? fmt::format("; {} was put back on {}", b.vf.str(), driver_text(b.from))
                    : fmt::format("; putting {} back on {} failed too: {}", b.vf.str(),
                                  driver_text(b.from), back.error().message);
  if (!back) e.code = Errc::rollback_incomplete;
  return tl::unexpected(e);
}

Status StepKind<BindDriver>::undo(const BindDriver& b, StepContext& ctx) {
  std::string dev = detail::pci_dev(b.vf);
  auto now = ctx.sysfs().link_name(dev + "/driver");
  if (now == b.from) {
    // Not moved (or already back): only driver_override may still name the new driver.
    if (!ctx.sysfs().exists(dev)) return {};
    return ctx.write(dev + "/driver_override", b.from_override.value_or(kClearOverride));
  }
  return detail::move_driver(ctx, b.vf, now, b.from_override, b.from);
}

void StepKind<BindDriver>::encode(const BindDriver& b, std::string& out) {
  out += dump_utf8(nlohmann::json{{"type", type},
                        {"pf", b.pf},
                        {"vf_index", b.vf_index},
                        {"vf", b.vf.str()},
                        {"from", json_opt(b.from)},
                        {"from_override", json_opt(b.from_override)},
                        {"to", json_opt(b.to)}});
}

template <>
Result<BindDriver> decode_record<BindDriver>(const nlohmann::json& j) {
  auto vf = PciAddress::parse(j.at("vf").get<std::string>());
  if (!vf) return tl::unexpected(vf.error());
  return BindDriver{j.at("pf"),
                    j.at("vf_index"),
                    *vf,
                    json_get_opt<std::string>(j, "from"),
                    json_get_opt<std::string>(j, "from_override"),
                    json_get_opt<std::string>(j, "to")};
}

}  // namespace sriov
