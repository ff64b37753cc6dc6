#pragma once
// The rtnetlink side of VF configuration: read every VF's settings of one PF netdev, and apply
// changes in as few RTM_SETLINK messages as the 64 KiB attribute limit allows.

#include <memory>
#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/vf_config.hpp"

namespace sriov {

struct VfDump {
  int ifindex = 0;
  unsigned num_vf = 0;        // IFLA_NUM_VF
  std::vector<VfState> vfs;   // always num_vf entries, in index order
  // The kernel's IFLA_VFINFO_LIST length wrapped past 64 KiB and the entries were recovered
  // by walking them up to IFLA_NUM_VF (the message itself holds them all).
  bool recovered_wrapped_list = false;
};

struct LinkCounters {
  unsigned get_requests = 0;
  unsigned set_requests = 0;
  unsigned retries = 0;
};

// Reads and sends VF settings of one PF netdev. A failed send returns the kernel's errno; what
// the kernel had applied before stopping (the first error aborts the rest of a message) is
// found out by the caller re-reading (apply_vf_changes).
class LinkBackend {
 public:
  virtual ~LinkBackend() = default;
  virtual Result<VfDump> read(const std::string& ifname) = 0;
  // Sends the changes' `after` values for their fields. On failure, nothing is undone here:
  // the caller re-reads and restores (see apply_vf_changes).
  virtual Status send(const std::string& ifname, const std::vector<VfChange>& changes) = 0;
  virtual LinkCounters counters() const = 0;
  virtual void count_retry() = 0;
};

// libnl-3 sockets and messages; VF attributes encoded and decoded here, not through
// libnl-route-3's SR-IOV helpers (see kernel-abi.md §3.6 for why).
std::unique_ptr<LinkBackend> make_netlink_backend();

// Largest IFLA_VFINFO_LIST we send: the kernel parses nla_len as 16 bits, and past 64 KiB it
// answers OK and applies nothing or a part.
inline constexpr size_t kMaxVfListBytes = 60000;

// Bytes one VF's change takes in IFLA_VFINFO_LIST.
size_t encoded_size(const VfChange& change);

// Splits changes into groups whose encoded IFLA_VFINFO_LIST stays under kMaxVfListBytes.
std::vector<std::vector<VfChange>> chunk_changes(const std::vector<VfChange>& changes);

struct ApplyOptions {
  std::string pf_label;   // "netdevsim1 (eni1np1)"
  std::string driver;     // PF driver, for "driver X does not support ..."
  unsigned max_attempts = 5;  // EAGAIN/EBUSY ("VF still in reset") retries per message
};

// Applies changes, verifies every requested field by reading back, and on any failure
// restores every VF that changed to its previous settings and reports exactly what failed,
// what had been applied and what was restored.
Status apply_vf_changes(LinkBackend& link, const std::string& ifname,
                        const std::vector<VfChange>& changes, const ApplyOptions& options);

}  // namespace sriov
