// The number parsers: libsriov's detail::parse_uint (VF indexes, PCI/MAC digits, vlan=...),
// libmdev's text::to_uint (vendor sysfs files, profile ids) and Sysfs::read_int (every integer
// sysfs attribute, public API). The two whole-string parsers must agree with each other and
// with a plain reference; read_int gets the input as a file.
#include "../../libsriov/src/parse_util.hpp"
#include "../../mdev/src/text.hpp"
#include "fuzz_common.hpp"
#include "sriov/sysfs.hpp"

#include <optional>

namespace {

// Reference: whole string of digits of `base`, no sign, no overflow.
std::optional<uint64_t> reference(std::string_view s, int base) {
  if (s.empty()) return std::nullopt;
  unsigned __int128 v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0'
            : c >= 'a' && c <= 'z' ? c - 'a' + 10
            : c >= 'A' && c <= 'Z' ? c - 'A' + 10
                                   : 99;
    if (d >= base) return std::nullopt;
    v = v * base + d;
    if (v > UINT64_MAX) return std::nullopt;
  }
  return static_cast<uint64_t>(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  for (int base : {10, 16}) {
    auto a = sriov::detail::parse_uint(in, base);
    FUZZ_CHECK(a == reference(in, base));
    FUZZ_CHECK(mdev::text::to_uint(in, base) == a);
  }
  fuzz::put_file("/sys/fuzz/value", in);
  static const sriov::Sysfs sysfs(fuzz::scratch_root());
  for (int base : {10, 16, 0}) {
    auto v = sysfs.read_int("/sys/fuzz/value", base);
    if (!v) continue;
    // Whatever read_int accepts, a decimal string of digits is read as that number.
    auto digits = sriov::detail::parse_uint(sriov::detail::trim(in), 10);
    if (base == 10 && digits && *digits <= INT64_MAX) FUZZ_CHECK(*v == static_cast<long long>(*digits));
  }
  return 0;
}
