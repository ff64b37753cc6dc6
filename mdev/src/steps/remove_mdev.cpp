// The step kind that removes one mediated device.
#include <fmt/format.h>

#include "mdev/step_kinds.hpp"
#include "sriov/json_text.hpp"
#include "mdev_io.hpp"

namespace sriov {

using mdev::RemoveMdev;

std::string StepKind<RemoveMdev>::action(const RemoveMdev&) { return "remove-mdev"; }
std::string StepKind<RemoveMdev>::target(const RemoveMdev& m) { return m.uuid; }
std::string StepKind<RemoveMdev>::group(const RemoveMdev& m) { return m.parent; }

std::string StepKind<RemoveMdev>::describe(const RemoveMdev& m) {
  return fmt::format("remove mdev {} ({} on {})", m.uuid, m.type_id, m.parent);
}

std::string StepKind<RemoveMdev>::disruption(const RemoveMdev& m) {
  return fmt::format("destroys vGPU {} (a VM using it loses it)", m.uuid);
}

std::vector<Write> StepKind<RemoveMdev>::writes(const RemoveMdev& m) {
  return {{mdev::detail::mdev_device(m.uuid) + "/remove", "1"}};
}

// Last check before the write: remove blocks for as long as a VM has the device open.
std::vector<Difference> StepKind<RemoveMdev>::drift(const RemoveMdev& m) {
  return {{"mdev " + m.uuid, "instance", "absent", fmt::format("{} on {}", m.type_id, m.parent)}};
}

Status StepKind<RemoveMdev>::check(const RemoveMdev& m, StepContext& ctx) {
  return mdev::detail::refuse_if_held(ctx, m.uuid);
}

Status StepKind<RemoveMdev>::apply(RemoveMdev& m, StepContext& ctx) {
  return mdev::detail::remove_mdev(ctx, m.uuid);
}

Status StepKind<RemoveMdev>::undo(const RemoveMdev& m, StepContext& ctx) {
  return mdev::detail::create_mdev(ctx, m.type_path, m.uuid);
}

void StepKind<RemoveMdev>::encode(const RemoveMdev& m, std::string& out) {
  out += sriov::dump_utf8(nlohmann::json{{"type", type}, {"parent", m.parent}, {"type_id", m.type_id},
                        {"type_path", m.type_path}, {"uuid", m.uuid}});
}

template <>
Result<RemoveMdev> decode_record<RemoveMdev>(const nlohmann::json& j) {
  return RemoveMdev{j.at("parent"), j.at("type_id"), j.at("type_path"), j.at("uuid")};
}

}  // namespace sriov
