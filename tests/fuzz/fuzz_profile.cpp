// mdev::parse_profile: the whole profile format (sriov-profile(5)), the nics part that
// libsriov plans from and the gpus part. Profiles are operator-written files; any input must
// come back as a profile or as file:line:col errors, never as an exception or a crash.
#include "fuzz_common.hpp"
#include "mdev/profile_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto profile = mdev::parse_profile(std::string(fuzz::text(data, size)), "fuzz.yaml");
  if (!profile) {
    FUZZ_CHECK(profile.error().code == sriov::Errc::invalid_input);
    FUZZ_CHECK(!profile.error().message.empty());
    return 0;
  }
  // What the planners and `plan` output print of the entries.
  for (const auto& n : profile->nics) {
    n.select.str();
    n.pos.str();
    for (const auto& v : n.vfs) sriov::describe_config(v.config, 0);
  }
  for (const auto& g : profile->gpus) {
    g.select.str();
    FUZZ_CHECK(g.count <= mdev::kMaxGpuCount);
  }
  return 0;
}
