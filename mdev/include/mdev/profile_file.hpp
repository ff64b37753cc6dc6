#pragma once
// Declarative profiles (sriov-profile(5)): the desired state of a host's SR-IOV NICs and vGPUs,
// parsed strictly from YAML. Every error carries file:line:col, and all errors of a profile are
// reported together. The host layer: the nics part is libsriov's (sriov/nic_profile.hpp), the
// gpus part is libmdev's.

#include <optional>
#include <string>
#include <vector>

#include "sriov/error.hpp"
#include "sriov/nic_profile.hpp"

namespace mdev {

// Which GPU(s) a gpus entry is for: one GPU by PCI address (full or short) or mdev parent
// name ("mbochs"), or every vGPU-capable GPU with the given PCI ids. Resolved against the host
// by the profile planner (mdev/profile.hpp).
struct GpuSelector {
  std::optional<std::string> gpu;
  std::optional<uint16_t> vendor_id, device_id;
  std::string str() const;  // "0000:af:00.0" or "match {vendor-id: 10de, device-id: 1eb8}"
};

// publish: on a nics or gpus entry: the pool its devices are published in (sriovctl publish).
struct PoolSpec {
  sriov::SourcePos pos;
  std::string name;                             // [A-Za-z0-9_-]{1,63}
  std::optional<std::string> physical_network;  // nics: Nova's physical_network
  std::optional<bool> trusted;                  // nics: Nova's trusted tag
};

// An entry of the profile's top-level publish: list: a format and where it goes.
struct PublishTarget {
  sriov::SourcePos pos;
  std::string format;                 // a name publish::parse_format takes
  std::optional<std::string> output;  // an absolute directory; nullopt: the format's default
  std::optional<std::string> domain;
};

// `count` instances of one vGPU type on each GPU the entry selects: the type by id or name, or
// the smallest type with at least `framebuffer` bytes.
struct GpuEntry {
  sriov::SourcePos pos;
  GpuSelector select;
  std::optional<std::string> type;
  std::optional<uint64_t> framebuffer;  // bytes
  sriov::SourcePos type_pos;                   // of type or framebuffer
  unsigned count = 0;
  sriov::SourcePos count_pos;
  // start: given -> persistent instances (mdevctl definitions) with this autostart;
  // nullopt -> transient instances, definitions left alone.
  std::optional<bool> autostart;
  sriov::SourcePos start_pos;
  struct GivenUuid {
    std::string uuid;  // canonical (lower case)
    sriov::SourcePos pos;
  };
  std::vector<GivenUuid> uuids;  // for the instances the entry creates, in order
  sriov::SourcePos uuids_pos;
  std::optional<PoolSpec> pool;
};

struct Profile {
  std::vector<std::string> files;  // the files read, in order
  std::vector<sriov::NicEntry> nics;
  std::vector<GpuEntry> gpus;
  std::vector<std::optional<PoolSpec>> nic_pools;  // one per nics entry, in order
  std::vector<PublishTarget> publish;
};

// At most this many instances per gpus entry and GPU.
inline constexpr unsigned kMaxGpuCount = 4096;

// A file, or a directory of *.yaml / *.yml files read in name order and merged. Errors:
// Errc::invalid_input with one "file:line:col: message" line per problem.
sriov::Result<Profile> load_profile(const std::string& path);
// Several of them, merged in the order given as if they were one directory; a path "-" is
// stdin_text, named <stdin> in messages (sriovctl -f - reads standard input).
sriov::Result<Profile> load_profiles(const std::vector<std::string>& paths,
                                     const std::optional<std::string>& stdin_text = std::nullopt);
inline constexpr const char* kStdinName = "<stdin>";
// Parses YAML text as if read from `file` (for tests and inline profiles).
sriov::Result<Profile> parse_profile(const std::string& text, const std::string& file);

}  // namespace mdev
