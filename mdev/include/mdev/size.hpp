#pragma once
// Memory sizes as operators write them on the command line and in profiles: 512M, 4G, 4GiB,
// 1024MiB. Every unit is a power of 1024 (K, M, G, T; "KiB", "KB" and "K" mean the same),
// because the vendors size framebuffers that way: NVIDIA's "framebuffer=1024M" and "-1Q" are
// 1 GiB. (vgpuctl's --framebuffer and a profile's gpus framebuffer: share this parser.)

#include <cstdint>
#include <string>
#include <string_view>

#include "sriov/error.hpp"

namespace mdev {

inline constexpr uint64_t kKiB = 1024, kMiB = kKiB * 1024, kGiB = kMiB * 1024, kTiB = kGiB * 1024;

// A whole number followed by a unit: B, K, M, G, T, each optionally followed by "i" and/or
// "B" ("4G", "4GB", "4GiB"), case-insensitive. A bare number is refused: it is too easy to
// mean gigabytes and get bytes.
sriov::Result<uint64_t> parse_size(std::string_view text);

// The largest unit that divides the size exactly: "1 GiB", "640 MiB", "1536 MiB", "12 B".
std::string format_size(uint64_t bytes);

}  // namespace mdev
