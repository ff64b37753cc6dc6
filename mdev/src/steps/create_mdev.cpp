// The step kind that creates one mediated device.
#include <fmt/format.h>

#include "mdev/step_kinds.hpp"
#include "sriov/json_text.hpp"
#include "mdev_io.hpp"

namespace sriov {

using mdev::CreateMdev;

std::string StepKind<CreateMdev>::action(const CreateMdev&) { return "create-mdev"; }
std::string StepKind<CreateMdev>::target(const CreateMdev& m) { return m.uuid; }
std::string StepKind<CreateMdev>::group(const CreateMdev& m) { return m.parent; }

std::string StepKind<CreateMdev>::describe(const CreateMdev& m) {
  return fmt::format("create mdev {} of type {} on {}", m.uuid, m.type_id, m.parent);
}

std::string StepKind<CreateMdev>::disruption(const CreateMdev&) { return {}; }

std::vector<Write> StepKind<CreateMdev>::writes(const CreateMdev& m) {
  return {{m.type_path + "/create", m.uuid}};
}

std::vector<Difference> StepKind<CreateMdev>::drift(const CreateMdev& m) {
  return {{"mdev " + m.uuid, "instance", fmt::format("{} on {}", m.type_id, m.parent), "absent"}};
}

Status StepKind<CreateMdev>::check(const CreateMdev&, StepContext&) { return {}; }

Status StepKind<CreateMdev>::apply(CreateMdev& m, StepContext& ctx) {
  // Already there as planned (mdevctl's udev rule may have started a defined instance since
  // the plan was made): nothing to write, as for a VF count that is already right.
  std::string dev = mdev::detail::mdev_device(m.uuid);
  if (ctx.sysfs().exists(dev)) {
    auto type = ctx.sysfs().resolve(dev + "/mdev_type"), wanted = ctx.sysfs().resolve(m.type_path);
    if (type && wanted && *type == *wanted) return {};
  }
  return mdev::detail::create_mdev(ctx, m.type_path, m.uuid);
}

Status StepKind<CreateMdev>::undo(const CreateMdev& m, StepContext& ctx) {
  return mdev::detail::remove_mdev(ctx, m.uuid);
}

void StepKind<CreateMdev>::encode(const CreateMdev& m, std::string& out) {
  out += sriov::dump_utf8(nlohmann::json{{"type", type}, {"parent", m.parent}, {"type_id", m.type_id},
                        {"type_path", m.type_path}, {"uuid", m.uuid}});
}

template <>
Result<CreateMdev> decode_record<CreateMdev>(const nlohmann::json& j) {
  return CreateMdev{j.at("parent"), j.at("type_id"), j.at("type_path"), j.at("uuid")};
}

}  // namespace sriov
