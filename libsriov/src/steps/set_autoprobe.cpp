// The sriov_drivers_autoprobe step kind.
#include "sriov/steps/set_autoprobe.hpp"

#include <fmt/format.h>

#include "sriov/json_text.hpp"
#include "sriov/step_codec.hpp"

namespace sriov {
namespace {

std::string attribute(const SetAutoprobe& s) { return s.pf_path + "/sriov_drivers_autoprobe"; }

Status write_autoprobe(const SetAutoprobe& s, bool value, StepContext& ctx) {
  std::string path = attribute(s);
  if (auto ok = ctx.write(path, value ? "1" : "0"); !ok) return ok;
  auto back = ctx.sysfs().read_int(path);
  if (!back) return tl::unexpected(back.error());
  if ((*back != 0) != value)
    return fail(Errc::kernel,
                fmt::format("wrote {} to {} but it reads back {}", int(value), path, *back), path);
  return {};
}

}  // namespace

std::string StepKind<SetAutoprobe>::action(const SetAutoprobe&) { return "set-autoprobe"; }
std::string StepKind<SetAutoprobe>::target(const SetAutoprobe& s) { return s.pf; }
std::string StepKind<SetAutoprobe>::group(const SetAutoprobe& s) { return s.pf; }

std::string StepKind<SetAutoprobe>::describe(const SetAutoprobe& s) {
  return fmt::format("set sriov_drivers_autoprobe of {}: {} -> {}", s.pf, int(s.from), int(s.to));
}

std::string StepKind<SetAutoprobe>::disruption(const SetAutoprobe&) { return {}; }

std::vector<Write> StepKind<SetAutoprobe>::writes(const SetAutoprobe& s) {
  return {{attribute(s), s.to ? "1" : "0"}};
}

std::vector<Difference> StepKind<SetAutoprobe>::drift(const SetAutoprobe& s) {
  auto text = [](bool v) { return std::string(v ? "true" : "false"); };
  return {{s.pf, "drivers-autoprobe", text(s.to), text(s.from)}};
}

Status StepKind<SetAutoprobe>::check(const SetAutoprobe&, StepContext&) { return {}; }

Status StepKind<SetAutoprobe>::apply(SetAutoprobe& s, StepContext& ctx) {
  return write_autoprobe(s, s.to, ctx);
}

Status StepKind<SetAutoprobe>::undo(const SetAutoprobe& s, StepContext& ctx) {
  return write_autoprobe(s, s.from, ctx);
}

void StepKind<SetAutoprobe>::encode(const SetAutoprobe& s, std::string& out) {
  out += dump_utf8(nlohmann::json{{"type", type}, {"pf", s.pf}, {"pf_path", s.pf_path}, {"from", s.from},
                        {"to", s.to}});
}

template <>
Result<SetAutoprobe> decode_record<SetAutoprobe>(const nlohmann::json& j) {
  return SetAutoprobe{j.at("pf"), j.at("pf_path"), j.at("from"), j.at("to")};
}

}  // namespace sriov
