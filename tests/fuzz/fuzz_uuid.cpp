// mdev::Uuid::parse: vgpuctl UUID arguments, profile uuids and mdevctl file names.
#include "fuzz_common.hpp"
#include "mdev/uuid.hpp"

#include <cctype>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  auto uuid = mdev::Uuid::parse(in);
  if (!uuid) return 0;
  // Only the canonical shape is accepted, so str() is the input in lower case.
  auto shown = uuid->str();
  FUZZ_CHECK(shown.size() == in.size());
  for (size_t i = 0; i < in.size(); ++i)
    FUZZ_CHECK(shown[i] == std::tolower(static_cast<unsigned char>(in[i])));
  auto back = mdev::Uuid::parse(shown);
  FUZZ_CHECK(back && *back == *uuid);
  return 0;
}
