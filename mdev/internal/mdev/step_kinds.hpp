#pragma once
// The vGPU step kinds' journal codecs (beside sriov::nic_step_kinds()): for the tools'
// journal reader, not part of the installed API.

#include "mdev/steps/mdev_steps.hpp"
#include "sriov/step_codec.hpp"

namespace mdev {

// CreateMdev, RemoveMdev, SetVgpuType, WriteConfigFile.
const sriov::StepCodecs& mdev_step_kinds();

// Every step kind a journal record may hold, whichever tool wrote it: libsriov's NIC kinds and
// these. What the tools (and anything else reading the journal) pass to Journal::find.
const sriov::StepCodecs& all_step_kinds();

}  // namespace mdev

namespace sriov {
template <>
Result<mdev::CreateMdev> decode_record<mdev::CreateMdev>(const nlohmann::json& record);
template <>
Result<mdev::RemoveMdev> decode_record<mdev::RemoveMdev>(const nlohmann::json& record);
template <>
Result<mdev::SetVgpuType> decode_record<mdev::SetVgpuType>(const nlohmann::json& record);
template <>
Result<mdev::WriteConfigFile> decode_record<mdev::WriteConfigFile>(const nlohmann::json& record);
}  // namespace sriov
