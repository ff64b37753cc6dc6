// PciAddress::parse / looks_like: every CLI argument and profile `pf`/`gpu` goes through them.
#include "fuzz_common.hpp"
#include "sriov/pci_address.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  sriov::PciAddress::looks_like(in);
  auto a = sriov::PciAddress::parse(in);
  if (!a) {
    FUZZ_CHECK(!a.error().message.empty());
    return 0;
  }
  // The canonical form parses back to the same address (plans and journals rely on it).
  auto back = sriov::PciAddress::parse(a->str());
  FUZZ_CHECK(back && *back == *a);
  FUZZ_CHECK(a->device <= 0x1f && a->function <= 7);
  a->vf(a->function, a->device, a->bus);  // routing-id arithmetic on parsed values
  return 0;
}
