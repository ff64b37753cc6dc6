#pragma once
// Memory sizes (512M, 4G, 4GiB, 1024MiB; powers of 1024): the parser lives in libsriov
// (sriov/size.hpp) so that profiles, parsed there, read sizes exactly as vgpuctl does.

#include "sriov/size.hpp"

namespace mdev {

using sriov::format_size;
using sriov::kGiB;
using sriov::kKiB;
using sriov::kMiB;
using sriov::kTiB;
using sriov::parse_size;

}  // namespace mdev
