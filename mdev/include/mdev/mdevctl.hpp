#pragma once
// Persistent mdevs in mdevctl's own format, so that mdevctl, libvirt and vgpuctl share one set
// of definitions: /etc/mdevctl.d/<parent>/<uuid>, a JSON object
//   {"mdev_type": "nvidia-230", "start": "auto"|"manual", "attrs": [{"<attr>": "<value>"}, ...]}
// written exactly as mdevctl 1.2 writes it (two-space indent, no trailing newline).

#include <string>
#include <string_view>
#include <vector>

#include "mdev/vgpu.hpp"
#include "sriov/error.hpp"
#include "sriov/plan.hpp"
#include "sriov/sysfs.hpp"

namespace mdev {

inline constexpr std::string_view kMdevctlDir = "/etc/mdevctl.d";

struct Definition {
  std::string uuid;
  std::string parent;      // mdev parent name: "0000:af:00.0", "mbochs"
  std::string type;        // mdev type id
  bool autostart = false;  // "start": "auto"
  Facts attrs;             // written to /sys/bus/mdev/devices/<uuid>/<attr> after creation
  std::string path;        // host path of the file
  std::string content;     // the file as read_definitions read it (to put it back on undo)
};

std::string definition_path(std::string_view parent, std::string_view uuid);
// mdevctl's JSON for a definition, byte for byte.
std::string definition_json(const Definition& def);
sriov::Result<Definition> parse_definition(std::string_view json, std::string parent,
                                           std::string uuid);

// Every definition, sorted by parent and UUID. Files that are not definitions (scripts.d,
// names that are not UUIDs) are skipped; unreadable or malformed ones become warnings.
std::vector<Definition> read_definitions(const sriov::Sysfs& sysfs,
                                         std::vector<std::string>& warnings);
const Definition* find_definition(const std::vector<Definition>& defs, std::string_view uuid);

struct DefineRequest {
  std::string parent;  // as the user wrote it (PCI address, short form, or a name)
  std::string type;    // type id or name
  std::string uuid;    // canonical
  bool autostart = false;
};
sriov::Result<sriov::Plan> plan_define(const VgpuHost& host, const std::vector<Definition>& defs,
                                       const DefineRequest& request);
sriov::Result<sriov::Plan> plan_undefine(const std::vector<Definition>& defs,
                                         const std::string& uuid, const std::string& content);

struct StartPlan {
  sriov::Plan plan;
  std::vector<std::string> missing_parents;  // parents of definitions that are not present
  std::vector<sriov::Error> skipped;         // --all-auto: definitions that cannot start
};
// Creates the devices of the given definitions (or of every "start": "auto" one). Running
// ones are skipped with a note. With explicit UUIDs any problem is an error; with all_auto
// each definition that cannot start is skipped and reported, and the rest start.
sriov::Result<StartPlan> plan_start(const VgpuHost& host, const std::vector<Definition>& defs,
                                    const std::vector<std::string>& uuids, bool all_auto);

}  // namespace mdev
