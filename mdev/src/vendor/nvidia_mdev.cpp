// NVIDIA vGPU through mdev (vGPU 16 and earlier; pre-Ampere GPUs, or Ampere VFs after
// sriov-manage -e): types nvidia-<N> named like "GRID T4-1Q", described by a
// "key=value, ..." list. Time-sliced vGPUs on one physical GPU share one type unless the GPU
// is in heterogeneous mode.
#include <cctype>

#include "../text.hpp"
#include "sriov/text.hpp"
#include "mdev/handler.hpp"
#include "mdev/parse.hpp"
#include "mdev/size.hpp"

namespace mdev {

NvidiaTypeName parse_nvidia_type_name(std::string_view name) {
  NvidiaTypeName out;
  auto dash = name.rfind('-');
  if (dash == std::string_view::npos) {
    // Kepler-era names without a dash ("GRID K120Q"): a class letter after a digit.
    if (name.size() >= 2 && std::isdigit(static_cast<unsigned char>(name[name.size() - 2])) &&
        std::string_view("QBAC").find(name.back()) != std::string_view::npos)
      out.profile_class = name.back();
    return out;
  }
  std::string_view token = name.substr(dash + 1);
  size_t digits = 0;
  while (digits < token.size() && std::isdigit(static_cast<unsigned char>(token[digits]))) ++digits;
  if (digits == token.size()) return out;
  char cls = token[digits];
  if (cls != 'Q' && cls != 'B' && cls != 'A' && cls != 'C') return out;
  if (digits == 0) return out;
  out.profile_class = cls;
  // The number after the last '-' is the framebuffer in GB ("0" is 512 MB on Maxwell).
  auto gb = sriov::parse_unsigned(token.substr(0, digits));
  // A count of GiB past 64 bits is no size: never a wrapped one.
  if (gb && *gb <= UINT64_MAX / kGiB) out.framebuffer = *gb == 0 ? 512 * kMiB : *gb * kGiB;
  return out;
}

VgpuType nvidia_mdev_type(const MdevType& type) {
  VgpuType t = generic_type(type);
  auto from_name = parse_nvidia_type_name(t.name);
  t.profile_class = from_name.profile_class;
  Facts facts = type.description ? parse_key_values(*type.description) : Facts{};
  for (const auto& [key, value] : facts) {
    if (key == "framebuffer") {
      t.framebuffer = parse_vendor_megabytes(value);
    } else if (key == "num_heads") {
      if (auto n = sriov::parse_unsigned(value)) t.heads = static_cast<unsigned>(*n);
    } else if (key == "max_instance") {
      if (auto n = sriov::parse_unsigned(value)) t.max_instances = static_cast<unsigned>(*n);
    } else if (key == "max_resolution") {
      t.max_resolution = value;
    } else {
      t.vendor.emplace_back(key, value);
    }
  }
  if (!t.framebuffer) t.framebuffer = from_name.framebuffer;
  return t;
}

namespace {

class NvidiaMdevHandler : public VgpuHandler {
 public:
  std::string_view name() const override { return "nvidia-mdev"; }
  std::string_view summary() const override { return "NVIDIA vGPU, time-sliced (mdev)"; }
  bool claims(const MdevParent& parent) const override {
    if (parent.driver == "nvidia") return true;
    for (const auto& t : parent.types)
      if (text::starts_with(t.id, "nvidia-")) return true;
    return false;
  }
  VgpuType map_type(const MdevType& type) const override { return nvidia_mdev_type(type); }
  Mixing mixing() const override { return Mixing::same_type; }
};

}  // namespace

const VgpuHandler& nvidia_mdev_handler() {
  static const NvidiaMdevHandler handler;
  return handler;
}

}  // namespace mdev
