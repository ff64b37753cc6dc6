// The step kind for NVIDIA vendor-VFIO vGPUs: a VF's nvidia/current_vgpu_type.
#include <fmt/format.h>

#include "mdev/step_kinds.hpp"
#include "sriov/json_text.hpp"
#include "sriov/holders.hpp"

namespace sriov {

using mdev::SetVgpuType;

namespace {

std::string attribute(const SetVgpuType& v) { return v.vf_path + "/nvidia/current_vgpu_type"; }

// The driver takes a new type only from 0: a change between two types is two writes.
std::vector<Write> type_writes(const SetVgpuType& v, unsigned from, unsigned to) {
  std::vector<Write> w;
  if (from != 0 && to != 0) w.push_back({attribute(v), "0"});
  w.push_back({attribute(v), std::to_string(to)});
  return w;
}

Status write_type(const SetVgpuType& v, unsigned from, unsigned to, StepContext& ctx) {
  for (const auto& w : type_writes(v, from, to))
    if (auto ok = ctx.write(w.path, w.value); !ok) return ok;
  std::string path = attribute(v);
  auto back = ctx.sysfs().read_int(path);
  if (!back) return tl::unexpected(back.error());
  if (*back != to)
    return fail(Errc::kernel,
                fmt::format("wrote {} to {} but it reads back {} (the driver refused the type: "
                            "capacity, or a type that cannot be mixed with the GPU's others)",
                            to, path, *back),
                path);
  return {};
}

}  // namespace

std::string StepKind<SetVgpuType>::action(const SetVgpuType&) { return "set-vgpu-type"; }
std::string StepKind<SetVgpuType>::target(const SetVgpuType& v) { return v.vf; }
std::string StepKind<SetVgpuType>::group(const SetVgpuType& v) { return v.vf; }

std::string StepKind<SetVgpuType>::describe(const SetVgpuType& v) {
  if (v.to == 0) return fmt::format("remove the vGPU of VF {} (type {} -> 0)", v.vf, v.from);
  return fmt::format("set vGPU type of VF {}: {} -> {} ({})", v.vf, v.from, v.to, v.to_name);
}

std::string StepKind<SetVgpuType>::disruption(const SetVgpuType& v) {
  return v.from ? fmt::format("destroys the vGPU of type {} on VF {}", v.from, v.vf) : "";
}

std::vector<Write> StepKind<SetVgpuType>::writes(const SetVgpuType& v) {
  return type_writes(v, v.from, v.to);
}

// Changing the type of a VF a VM holds would pull the vGPU from under it.
std::vector<Difference> StepKind<SetVgpuType>::drift(const SetVgpuType& v) {
  auto wanted = v.to == 0 ? std::string("0") : fmt::format("{} ({})", v.to, v.to_name);
  return {{"VF " + v.vf, "vgpu-type", wanted, std::to_string(v.from)}};
}

Status StepKind<SetVgpuType>::check(const SetVgpuType& v, StepContext& ctx) {
  auto now = ctx.sysfs().read_int_opt(attribute(v));
  if (!now || *now == 0 || *now == v.to) return {};
  if (auto holders = ctx.holders().of_device(ctx.sysfs(), v.vf_path); !holders.empty())
    return tl::unexpected(
        held_refusal("change the vGPU of VF " + v.vf, holders.front(), v.vf_path));
  return {};
}

Status StepKind<SetVgpuType>::apply(SetVgpuType& v, StepContext& ctx) {
  auto now = ctx.sysfs().read_int(attribute(v));
  if (!now) return tl::unexpected(now.error());
  if (*now == v.to) return {};
  v.from = static_cast<unsigned>(*now);
  auto ok = write_type(v, v.from, v.to, ctx);
  if (!ok) (void)write_type(v, v.to, v.from, ctx);  // leave the VF as found
  return ok;
}

Status StepKind<SetVgpuType>::undo(const SetVgpuType& v, StepContext& ctx) {
  return write_type(v, v.to, v.from, ctx);
}

void StepKind<SetVgpuType>::encode(const SetVgpuType& v, std::string& out) {
  out += sriov::dump_utf8(nlohmann::json{{"type", type}, {"vf", v.vf},     {"vf_path", v.vf_path},
                        {"from", v.from}, {"to", v.to}, {"to_name", v.to_name}});
}

template <>
Result<SetVgpuType> decode_record<SetVgpuType>(const nlohmann::json& j) {
  return SetVgpuType{j.at("vf"), j.at("vf_path"), j.at("from"), j.at("to"), j.at("to_name")};
}

}  // namespace sriov
