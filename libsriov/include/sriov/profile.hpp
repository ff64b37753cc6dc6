#pragma once
// Declarative profiles (sriov-profile(5)): the desired state of a host's SR-IOV NICs and vGPUs,
// parsed strictly from YAML. Every error carries file:line:col, and all errors of a profile are
// reported together.

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

// Which GPU(s) a gpus entry is for: one GPU by PCI address (full or short) or mdev parent
// name ("mbochs"), or every vGPU-capable GPU with the given PCI ids. Resolved against the host
// by libmdev's profile planner (mdev/profile.hpp); libsriov only parses.
struct GpuSelector {
  std::optional<std::string> gpu;
  std::optional<uint16_t> vendor_id, device_id;
  std::string str() const;  // "0000:af:00.0" or "match {vendor-id: 10de, device-id: 1eb8}"
};

// `count` instances of one vGPU type on each GPU the entry selects: the type by id or name, or
// the smallest type with at least `framebuffer` bytes.
struct GpuEntry {
  SourcePos pos;
  GpuSelector select;
  std::optional<std::string> type;
  std::optional<uint64_t> framebuffer;  // bytes
  SourcePos type_pos;                   // of type or framebuffer
  unsigned count = 0;
  SourcePos count_pos;
  // start: given -> persistent instances (mdevctl definitions) with this autostart;
  // nullopt -> transient instances, definitions left alone.
  std::optional<bool> autostart;
  SourcePos start_pos;
  struct GivenUuid {
    std::string uuid;  // canonical (lower case)
    SourcePos pos;
  };
  std::vector<GivenUuid> uuids;  // for the instances the entry creates, in order
  SourcePos uuids_pos;
};

struct Profile {
  std::vector<std::string> files;  // the files read, in order
  std::vector<NicEntry> nics;
  std::vector<GpuEntry> gpus;
};

// At most this many instances per gpus entry and GPU.
inline constexpr unsigned kMaxGpuCount = 4096;

// A file, or a directory of *.yaml / *.yml files read in name order and merged. Errors:
// Errc::invalid_input with one "file:line:col: message" line per problem.
Result<Profile> load_profile(const std::string& path);
// Parses YAML text as if read from `file` (for tests and inline profiles).
Result<Profile> parse_profile(const std::string& text, const std::string& file);

// Combines problems into one Error, one per line.
Error profile_error(const std::vector<std::string>& problems);

}  // namespace sriov
