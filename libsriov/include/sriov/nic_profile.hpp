#pragma once
// The nics part of a profile (sriov-profile(5)) as data: which PFs an entry is for, their VF
// count and autoprobe, and what their VFs get. libsriov plans from these; the profile file
// itself is parsed by the host layer above this library, which owns the whole format.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/vf_config.hpp"

namespace sriov {

struct SourcePos {
  std::string file;
  int line = 0, column = 0;  // 1-based
  std::string str() const;   // "file:line:col"
};

// The VFs an entry configures, and how.
struct VfEntry {
  SourcePos pos;
  std::vector<unsigned> ids;  // sorted
  VfConfig config;            // mac-address -> config.mac, mac-from -> config.mac_from
  std::optional<std::string> driver;
  SourcePos driver_pos;
};

// Which PF(s) an entry is for: one PF by name or address, or every SR-IOV PF matching all
// given attributes.
struct PfSelector {
  std::optional<std::string> pf;
  std::optional<uint16_t> vendor_id, device_id;
  std::optional<std::string> driver;
  std::string str() const;  // "ens1f0" or "match {vendor-id: 8086, driver: i40e}"
};

struct NicEntry {
  SourcePos pos;
  PfSelector select;
  unsigned num_vfs = 0;
  SourcePos num_vfs_pos;
  std::optional<bool> drivers_autoprobe;
  std::vector<VfEntry> vfs;
};

// Combines problems ("file:line:col: message") into one Error, one per line.
Error profile_error(const std::vector<std::string>& problems);

}  // namespace sriov
