// parse_vf_spec / parse_vf_ranges: "ens1f0#0-3,6" and VF addresses on the command line, and
// profile `id:` ranges.
#include "fuzz_common.hpp"
#include "sriov/vf_spec.hpp"

#include <algorithm>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  if (auto spec = sriov::parse_vf_spec(in)) FUZZ_CHECK(spec->vf || !spec->pf.empty());
  auto ranges = sriov::parse_vf_ranges(in);
  if (!ranges) return 0;
  // Sorted and unique, and the compact form reads back the same (plans print it).
  FUZZ_CHECK(std::adjacent_find(ranges->begin(), ranges->end(),
                                [](unsigned a, unsigned b) { return a >= b; }) == ranges->end());
  auto back = sriov::parse_vf_ranges(sriov::format_vf_ranges(*ranges));
  FUZZ_CHECK(back && *back == *ranges);
  return 0;
}
