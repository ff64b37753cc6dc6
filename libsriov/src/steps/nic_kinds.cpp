// The NIC step kinds, listed once: the journal reads a record back through this list (and the
// lists of the libraries built on this one). A new kind is its own file plus a line here.
#include "sriov/plan.hpp"
#include "sriov/step_codec.hpp"

namespace sriov {

const StepCodecs& nic_step_kinds() {
  static const StepCodecs kinds = {
      {StepKind<SetAutoprobe>::type, &decode_as<SetAutoprobe>},
      {StepKind<SetNumVfs>::type, &decode_as<SetNumVfs>},
      {StepKind<BindDriver>::type, &decode_as<BindDriver>},
      {StepKind<SetVfSettings>::type, &decode_as<SetVfSettings>},
  };
  return kinds;
}

Result<Step> decode_step(const StepCodecs& kinds, const nlohmann::json& record) {
  auto type = record.at("type").get<std::string>();
  for (const auto& k : kinds)
    if (k.type == type) return k.decode(record);
  return fail(Errc::io, "unknown step type '" + type + "' in the journal");
}

}  // namespace sriov
