// parse_vf_setting: `sriovctl set ... KEY=VALUE ...`. The input is split on spaces into
// settings, as the shell would hand them over, then validated and described like a plan.
#include "fuzz_common.hpp"
#include "sriov/vf_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  sriov::VfConfig config;
  size_t start = 0;
  while (start <= in.size()) {
    size_t space = in.find(' ', start);
    auto word = in.substr(start, space == std::string_view::npos ? std::string_view::npos
                                                                   : space - start);
    if (auto ok = sriov::parse_vf_setting(word, config); !ok)
      FUZZ_CHECK(!ok.error().message.empty());
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  if (!sriov::validate(config, "VF 0 of fuzz0")) return 0;
  // What a plan shows for a valid config, and the diff against a VF at defaults.
  sriov::describe_config(config, 7);
  sriov::field_names(sriov::config_fields(config));
  sriov::VfState current;
  if (auto change = sriov::diff(current, config, 7)) {
    sriov::describe_change(*change);
    sriov::verify(*change, current.settings);
  }
  return 0;
}
