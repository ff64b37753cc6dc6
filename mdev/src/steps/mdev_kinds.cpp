// The vGPU step kinds, listed once for the journal reader (beside sriov::nic_step_kinds()).
#include "mdev/step_kinds.hpp"

namespace mdev {

const sriov::StepCodecs& mdev_step_kinds() {
  using sriov::decode_as;
  using sriov::StepKind;
  static const sriov::StepCodecs kinds = {
      {StepKind<CreateMdev>::type, &decode_as<CreateMdev>},
      {StepKind<RemoveMdev>::type, &decode_as<RemoveMdev>},
      {StepKind<SetVgpuType>::type, &decode_as<SetVgpuType>},
      {StepKind<WriteConfigFile>::type, &decode_as<WriteConfigFile>},
  };
  return kinds;
}

const sriov::StepCodecs& all_step_kinds() {
  static const sriov::StepCodecs kinds = [] {
    sriov::StepCodecs all = sriov::nic_step_kinds();
    const auto& gpu = mdev_step_kinds();
    all.insert(all.end(), gpu.begin(), gpu.end());
    return all;
  }();
  return kinds;
}

}  // namespace mdev
