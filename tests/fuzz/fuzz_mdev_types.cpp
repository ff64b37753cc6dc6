// Every vendor's mdev type description parser: the input is what a driver could show in
// sysfs. Its first line stands for the type's `name` (and id), the whole text for its
// `description`; every handler maps that type, as a scan does once it has claimed a parent.
// The free parsers behind them (key=value, "key: value", sizes, NVIDIA type names and
// creatable_vgpu_types, mbochs and mdpy descriptions) get the text too.
#include "fuzz_common.hpp"
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"
#include "mdev/size.hpp"

namespace {

// The decimal number a text starts with (after spaces), wide enough not to wrap.
unsigned __int128 leading_number(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  unsigned __int128 n = 0;
  for (size_t i = 0; i < s.size() && s[i] >= '0' && s[i] <= '9' && n < (unsigned __int128)1 << 100; ++i)
    n = n * 10 + (s[i] - '0');
  return n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  auto first_line = in.substr(0, in.find('\n'));

  mdev::parse_key_values(in);
  mdev::parse_colon_lines(in);
  // Sizes are never guessed (parse.hpp): one too large for 64 bits is no size, not a wrapped
  // small one. The smallest unit is KiB, so a size is at least 1024 x its number.
  if (auto mb = mdev::parse_vendor_megabytes(in))
    FUZZ_CHECK(*mb >= leading_number(in) * mdev::kKiB);
  auto nv = mdev::parse_nvidia_type_name(first_line);
  if (nv.framebuffer && first_line.rfind('-') != std::string_view::npos)
    FUZZ_CHECK(*nv.framebuffer >= leading_number(first_line.substr(first_line.rfind('-') + 1)) * mdev::kGiB);
  for (const auto& t : mdev::parse_creatable_vgpu_types(in)) FUZZ_CHECK(t.id > 0 && !t.name.empty());
  mdev::parse_mbochs_description(in);
  if (auto wh = mdev::parse_mdpy_description(in))
    FUZZ_CHECK(wh->first > 0 && wh->second > 0 && wh->first < 65536 && wh->second < 65536);

  mdev::MdevType type;
  type.id = std::string(first_line);
  type.path = "/sys/class/mdev_bus/0000:af:00.0/mdev_supported_types/" + type.id;
  type.name = std::string(first_line);
  type.description = std::string(in);
  type.device_api = "vfio-pci";
  // GVT-g's framebuffer is low_gm_size + high_gm_size (the last of each): no less than either.
  if (auto fb = mdev::gvtg_type(type).framebuffer) {
    std::optional<uint64_t> low, high;
    for (const auto& [key, value] : mdev::parse_colon_lines(in)) {
      if (key == "low_gm_size") low = mdev::parse_vendor_megabytes(value);
      if (key == "high_gm_size") high = mdev::parse_vendor_megabytes(value);
    }
    FUZZ_CHECK(low && high && *fb >= *low && *fb >= *high);
  }
  for (const auto* handler : mdev::handlers()) {
    auto t = handler->map_type(type);
    mdev::label(t);
  }
  return 0;
}
