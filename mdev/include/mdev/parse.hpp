#pragma once
// Parsers for what vendor drivers write in sysfs. All lenient: a field that is missing or
// malformed is left out, never guessed. Pure functions (unit-tested one by one).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mdev/vgpu.hpp"

namespace mdev {

// "key=value" pairs separated by commas and/or newlines, as in NVIDIA's mdev description
// ("num_heads=4, frl_config=60, framebuffer=1024M, max_resolution=5120x2880, max_instance=16").
// Spaces around keys and values are dropped; a part without '=' is skipped.
Facts parse_key_values(std::string_view text);

// "key: value" lines, as in GVT-g's description ("low_gm_size: 128MB\nfence: 4\n...").
Facts parse_colon_lines(std::string_view text);

// "1024M", "128MB", "64 MB", "4096MiB", "2G" -> bytes (binary units; a bare number is MiB,
// as NVIDIA and Intel write framebuffer sizes). nullopt when it is not a size.
std::optional<uint64_t> parse_vendor_megabytes(std::string_view text);

// Profile class and framebuffer from an NVIDIA vGPU type name: "GRID T4-4Q" -> Q, 4 GiB;
// "NVIDIA L40S-48C" -> C, 48 GiB; "GRID M60-0B" -> B, 512 MiB; "NVIDIA A100-1-5C" (MIG
// backed: 1 slice, 5 GB) -> C, 5 GiB.
struct NvidiaTypeName {
  std::optional<char> profile_class;
  std::optional<uint64_t> framebuffer;
};
NvidiaTypeName parse_nvidia_type_name(std::string_view name);

// NVIDIA legacy mdev type -> common type (name from the `name` file, description facts).
VgpuType nvidia_mdev_type(const MdevType& type);

// nvidia/creatable_vgpu_types: "ID : Name" lines, maybe under a header line that does not
// start with a number ("ID    : vGPU Name"). Lines that are not "<number> : <name>" are
// skipped.
struct CreatableType {
  unsigned id = 0;
  std::string name;
};
std::vector<CreatableType> parse_creatable_vgpu_types(std::string_view text);

// GVT-g type: framebuffer = low_gm_size + high_gm_size (the graphics memory the vGPU gets),
// max_resolution from "resolution", fence and weight as vendor facts.
VgpuType gvtg_type(const MdevType& type);

// mbochs: "virtual display, 64 MB video memory" -> 64 MiB; resolution by type (small
// 800x600, medium 1920x1440, large unlimited).
std::optional<uint64_t> parse_mbochs_description(std::string_view text);
VgpuType mbochs_type(const MdevType& type);

// mdpy: "virtual display, 1024x768 framebuffer" -> 1024, 768; the framebuffer is
// width x height x 4 bytes rounded up to a power of two, as mdpy allocates it.
std::optional<std::pair<unsigned, unsigned>> parse_mdpy_description(std::string_view text);
VgpuType mdpy_type(const MdevType& type);

// Any mdev type, from the files alone (no framebuffer known).
VgpuType generic_type(const MdevType& type);

}  // namespace mdev
