#pragma once
#include <string>
#include <vector>

#include "sriov/step.hpp"
#include "sriov/vf_config.hpp"

namespace sriov {

// VF settings of one PF over rtnetlink: every VF that differs, in as few RTM_SETLINK messages
// as the 64 KiB limit allows, verified by reading back.
struct SetVfSettings {
  std::string pf;      // PF label
  std::string ifname;  // PF netdev the requests go to
  std::string driver;  // PF driver, for messages
  std::vector<VfChange> changes;
  // VFs that do not exist yet when the plan is made (created by an earlier step): what they
  // should get; compared with the kernel and turned into `changes` when the step runs.
  struct DeferredVf {
    unsigned index = 0;
    VfConfig config;
    unsigned mac_offset = 0;
  };
  std::vector<DeferredVf> deferred;
};
SRIOV_STEP_KIND(SetVfSettings, "set-vf");

}  // namespace sriov
