#pragma once
// Options shared by `create` and `plan`: what to create (a type or a framebuffer size, a
// class, a count, UUIDs) turned into an mdev::VgpuRequest.

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "mdev/planner.hpp"
#include "sriov/error.hpp"

namespace vgpuctl {

struct RequestArgs {
  std::string type;
  std::string framebuffer;
  std::string profile_class;
  unsigned count = 0;  // 0: not given
  std::vector<std::string> uuids;
};

// Registers --type, --framebuffer, --class, --count (and --uuid when with_uuid).
void add_request_options(CLI::App& cmd, RequestArgs& args, bool with_uuid);

// Parses the options into a request (UUIDs: the given ones plus fresh ones for the rest).
sriov::Result<mdev::VgpuRequest> make_request(const RequestArgs& args);

// JSON of what a plan creates: {"type": {...}, "instances": [{gpu, parent, id}]}.
nlohmann::json created_json(const mdev::VgpuPlan& plan);

}  // namespace vgpuctl
