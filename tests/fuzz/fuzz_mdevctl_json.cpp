// mdev::parse_definition: /etc/mdevctl.d/<parent>/<uuid> files, written by mdevctl, libvirt
// or an operator. A malformed file must become a warning (an error Result), never a throw.
#include "fuzz_common.hpp"
#include "mdev/mdevctl.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto def = mdev::parse_definition(fuzz::text(data, size), "0000:af:00.0",
                                    "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01");
  if (!def) return 0;
  // What vgpuctl writes for a definition reads back as the same definition.
  auto json = mdev::definition_json(*def);
  auto back = mdev::parse_definition(json, def->parent, def->uuid);
  FUZZ_CHECK(back);
  FUZZ_CHECK(back->type == def->type && back->autostart == def->autostart &&
             back->attrs == def->attrs);
  FUZZ_CHECK(mdev::definition_json(*back) == json);
  return 0;
}
