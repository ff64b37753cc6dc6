// The number parsers: parse_unsigned (what the kernel and devices write: sysfs values, PCI and
// MAC fields, vendor files), parse_decimal (what a person writes: counts, VF ids, sizes),
// parse_seconds (--timeout, --wait) and Sysfs::read_int (every integer sysfs attribute). Each
// is checked against a plain reference; read_int gets the input as a file.
#include "../../libsriov/src/parse_util.hpp"
#include "fuzz_common.hpp"
#include "sriov/sysfs.hpp"
#include "sriov/text.hpp"

#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>

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

// parse_decimal's and parse_seconds' rules, stated directly.
void check_person_numbers(std::string_view in) {
  auto plain = reference(in, 10);
  bool padded = in.size() > 1 && in[0] == '0';
  FUZZ_CHECK(sriov::parse_decimal(in) == (padded ? std::nullopt : plain));
  FUZZ_CHECK(sriov::parse_decimal(in, 4094) ==
             (padded || !plain || *plain > 4094 ? std::nullopt : plain));
  auto seconds = sriov::parse_seconds(in, 3600.0);
  if (!seconds) return;
  // Accepted: digits, at most one '.', digits on both sides of it; a finite value in range
  // that strtod reads the same.
  auto dot = in.find('.');
  FUZZ_CHECK(in.find_first_not_of("0123456789.") == std::string_view::npos);
  FUZZ_CHECK(dot == std::string_view::npos ||
             (dot > 0 && dot + 1 < in.size() && in.find('.', dot + 1) == std::string_view::npos));
  FUZZ_CHECK(std::isfinite(*seconds) && *seconds >= 0 && *seconds <= 3600.0);
  FUZZ_CHECK(*seconds == std::strtod(std::string(in).c_str(), nullptr));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto in = fuzz::text(data, size);
  for (int base : {10, 16}) {
    auto a = sriov::parse_unsigned(in, base);
    FUZZ_CHECK(a == reference(in, base));
    FUZZ_CHECK(sriov::parse_unsigned(in, base) == a);
  }
  fuzz::put_file("/sys/fuzz/value", in);
  static const sriov::Sysfs sysfs(fuzz::scratch_root());
  for (int base : {10, 16, 0}) {
    auto v = sysfs.read_int("/sys/fuzz/value", base);
    if (!v) continue;
    // Whatever read_int accepts, a decimal string of digits is read as that number.
    auto digits = sriov::parse_unsigned(sriov::detail::trim(in), 10);
    if (base == 10 && digits && *digits <= INT64_MAX) FUZZ_CHECK(*v == static_cast<long long>(*digits));
  }
  return 0;
}
