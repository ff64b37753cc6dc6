// Intel GVT-g on an integrated GPU (i915.enable_gvt=1): types i915-GVTg_V5_<n> (V4 on
// Broadwell) with a multi-line "key: value" description. Types can be mixed on one iGPU; each
// instance takes its share of the aperture, so available_instances of every type falls.
#include "../text.hpp"
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"

namespace mdev {

VgpuType gvtg_type(const MdevType& type) {
  VgpuType t = generic_type(type);
  if (!type.description) return t;
  std::optional<uint64_t> low, high;
  for (const auto& [key, value] : parse_colon_lines(*type.description)) {
    if (key == "low_gm_size") low = parse_vendor_megabytes(value);
    if (key == "high_gm_size") high = parse_vendor_megabytes(value);
    if (key == "resolution")
      t.max_resolution = value;
    else
      t.vendor.emplace_back(key, value);
  }
  if (low && high && *low <= UINT64_MAX - *high) t.framebuffer = *low + *high;
  return t;
}

namespace {

class GvtgHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "intel-gvt-g"; }
  std::string_view summary() const override { return "Intel GVT-g on an integrated GPU (mdev)"; }
  bool claims(const MdevParent& parent) const override {
    for (const auto& t : parent.types)
      if (text::starts_with(t.id, "i915-GVTg")) return true;
    return false;
  }
  VgpuType map_type(const MdevType& type) const override { return gvtg_type(type); }
};

}  // namespace

const VgpuHandler& gvtg_handler() {
  static const GvtgHandler handler;
  return handler;
}

}  // namespace mdev
