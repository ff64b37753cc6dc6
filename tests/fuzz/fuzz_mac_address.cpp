// MacAddress::parse: `mac=`/`mac-from=` settings and profile mac-address/mac-from.
#include "fuzz_common.hpp"
#include "sriov/mac_address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto mac = sriov::MacAddress::parse(fuzz::text(data, size));
  if (!mac) return 0;
  auto back = sriov::MacAddress::parse(mac->str());
  FUZZ_CHECK(back && *back == *mac);
  // mac-from adds the VF's position: 0..65535 must carry or fail cleanly, never wrap.
  for (uint64_t n : {uint64_t{1}, uint64_t{65535}, uint64_t{0xffffffffffffULL}}) {
    auto next = mac->plus(n);
    if (next) FUZZ_CHECK(*mac < *next);
  }
  return 0;
}
