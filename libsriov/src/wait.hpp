#pragma once
// Bounded, event-driven waits for kernel state (internal name; public in sriov/wait.hpp).

#include "sriov/wait.hpp"

namespace sriov::detail {

using sriov::wait_until;

}  // namespace sriov::detail
