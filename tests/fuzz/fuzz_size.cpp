// mdev::parse_size: vgpuctl --framebuffer and a profile's gpus framebuffer.
#include "fuzz_common.hpp"
#include "mdev/size.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto bytes = mdev::parse_size(fuzz::text(data, size));
  if (!bytes) return 0;
  FUZZ_CHECK(*bytes > 0);
  // format_size's "1536 MiB" without its space is a size parse_size takes back exactly.
  auto shown = mdev::format_size(*bytes);
  shown.erase(shown.find(' '), 1);
  auto back = mdev::parse_size(shown);
  FUZZ_CHECK(back && *back == *bytes);
  return 0;
}
