#pragma once
// How the journal reads steps back: one decoder per step kind, listed once per library
// (nic_step_kinds() here; a library built on this one lists its own); the tools pass every
// list to Journal::find. Used by the kinds' own files; not part of the API a program needs.

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/plan.hpp"
#include "sriov/step.hpp"

namespace sriov {

struct StepCodec {
  std::string_view type;  // StepKind<T>::type
  Result<Step> (*decode)(const nlohmann::json& record);
};
using StepCodecs = std::vector<StepCodec>;

// SetAutoprobe, SetNumVfs, BindDriver, SetVfSettings.
const StepCodecs& nic_step_kinds();

// Decodes one journal record with the codec of its "type".
Result<Step> decode_step(const StepCodecs& kinds, const nlohmann::json& record);

// Optional values in records: null when absent.
template <class T>
nlohmann::json json_opt(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}
template <class T>
std::optional<T> json_get_opt(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].template get<T>();
}

// A kind's journal record back to its data: specialized in the kind's file.
template <class T>
Result<T> decode_record(const nlohmann::json& record);

template <>
Result<SetAutoprobe> decode_record<SetAutoprobe>(const nlohmann::json& record);
template <>
Result<SetNumVfs> decode_record<SetNumVfs>(const nlohmann::json& record);
template <>
Result<BindDriver> decode_record<BindDriver>(const nlohmann::json& record);
template <>
Result<SetVfSettings> decode_record<SetVfSettings>(const nlohmann::json& record);

// The codec entry of a kind.
template <class T>
Result<Step> decode_as(const nlohmann::json& record) {
  auto data = decode_record<T>(record);
  if (!data) return tl::unexpected(data.error());
  return Step(std::move(*data));
}

}  // namespace sriov
