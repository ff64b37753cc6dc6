#include "sriov/vf_spec.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "parse_util.hpp"
#include "sriov/text.hpp"

namespace sriov {

// VF indexes are bounded by the kernel's 16-bit TotalVFs; this keeps "0-4000000000" from
// allocating gigabytes before the numvfs check can reject it.
constexpr uint64_t kMaxVfIndex = 65535;

Result<std::vector<unsigned>> parse_vf_ranges(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return fail(Errc::invalid_input, fmt::format("invalid VF range {}: {} (expected indexes and "
                                                 "ranges like 0-3,6)",
                                                 detail::quoted(text), why));
  };
  if (text.empty()) return bad("empty");
  std::vector<unsigned> out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    auto part = text.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                    : comma - start);
    if (part.empty()) return bad("empty element");
    size_t dash = part.find('-');
    auto lo_text = part.substr(0, dash);
    auto hi_text = dash == std::string_view::npos ? lo_text : part.substr(dash + 1);
    auto lo = parse_decimal(lo_text), hi = parse_decimal(hi_text);
    if (!lo || !hi)
      return bad(fmt::format("'{}' is not an index or a range N-M (decimal, without leading "
                             "zeros)",
                             escape(part, true)));
    if (*hi > kMaxVfIndex) return bad(fmt::format("{} is above the largest VF index 65535", *hi));
    if (*lo > *hi) return bad(fmt::format("range '{}' runs backwards", part));
    for (uint64_t i = *lo; i <= *hi; ++i) out.push_back(static_cast<unsigned>(i));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  std::sort(out.begin(), out.end());
  auto dup = std::adjacent_find(out.begin(), out.end());
  if (dup != out.end()) return bad(fmt::format("VF {} is listed twice", *dup));
  return out;
}

std::string format_vf_ranges(const std::vector<unsigned>& indexes) {
  std::string out;
  for (size_t i = 0; i < indexes.size();) {
    size_t j = i;
    while (j + 1 < indexes.size() && indexes[j + 1] == indexes[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += j == i ? fmt::format("{}", indexes[i]) : fmt::format("{}-{}", indexes[i], indexes[j]);
    i = j + 1;
  }
  return out;
}

Result<VfSpec> parse_vf_spec(std::string_view text) {
  VfSpec spec;
  auto hash = text.rfind('#');
  if (hash == std::string_view::npos) {
    auto vf = PciAddress::parse(text);
    if (!vf)
      return fail(Errc::invalid_input,
                  fmt::format("invalid VF {}: give a VF PCI address (0000:3b:02.0) or PF#RANGES "
                              "(ens1f0#0-3,6); {}",
                              detail::quoted(text), vf.error().message));
    spec.vf = *vf;
    return spec;
  }
  spec.pf = std::string(text.substr(0, hash));
  if (spec.pf.empty())
    return fail(Errc::invalid_input,
                fmt::format("invalid VF spec {}: the PF before '#' is missing", detail::quoted(text)));
  auto ranges = parse_vf_ranges(text.substr(hash + 1));
  if (!ranges) return tl::unexpected(ranges.error());
  spec.indexes = std::move(*ranges);
  return spec;
}

}  // namespace sriov
