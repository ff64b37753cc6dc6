#pragma once
// sriovctl's command-line front end: one file per verb registers its subcommand; the selected
// verb runs with a Context after parsing. Runs in-process for tests with injected streams.

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "mdev/host_profile.hpp"
#include "mdev/profile_file.hpp"
#include "mdev/publish.hpp"
#include "sriov/executor.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/planner.hpp"
#include "sriov/sysfs.hpp"
#include "tools/front_end.hpp"
#include "tools/output.hpp"

namespace sriovctl {

using GlobalOptions = tools::CommonOptions;
using tools::Context;
using tools::run_plan;

using Runner = std::function<int(Context&)>;

void add_list(CLI::App& app, Runner& selected);
void add_show(CLI::App& app, Runner& selected);
void add_create(CLI::App& app, Runner& selected);
void add_destroy(CLI::App& app, Runner& selected);
void add_bind(CLI::App& app, Runner& selected);  // bind and unbind
void add_set(CLI::App& app, Runner& selected);
void add_apply(CLI::App& app, Runner& selected);  // plan and apply
void add_recover(CLI::App& app, Runner& selected);
void add_publish(CLI::App& app, Runner& selected);
void add_status(CLI::App& app, Runner& selected);
void add_watch(CLI::App& app, Runner& selected);

// Rolls back an interrupted run if the journal has one; prints what it did. Exit status.
int recover_interrupted(Context& ctx, bool report_when_clean);

// Reads the host and finds one PF; prints the error and returns nullopt + status on failure.
struct Loaded {
  std::optional<sriov::Inventory> inventory;
  int status = 0;
};
// with_names: look up vendor/device names (only list and show print them).
Loaded load_inventory(Context& ctx, bool with_names = false);
// The writers' order: the PF the arguments name is resolved (`check`) before the host lock, so
// a typo is an error at once and writes nothing (not even the lock file), instead of an error
// after waiting for another writer; then the lock (unless dry_run); then the host is read
// afresh, under the lock, for the plan. `check` may look only at what another writer cannot
// change under it (a PF, not its VFs: a concurrent apply takes them through 0). Prints the
// error and returns its status in Loaded on failure.
Loaded load_for_write(Context& ctx, bool dry_run,
                      const std::function<sriov::Status(const sriov::Inventory&)>& check);

// VF settings of a PF's VFs, read over rtnetlink (only the live host has it); nullopt with
// the reason in `why` where they cannot be read (none for a PF without netdev or VFs).
std::optional<sriov::VfDump> read_vf_settings(Context& ctx, const sriov::PhysicalFunction& pf,
                                              std::string& why);
// The JSON of one VF as show and list --tree print it: the VF, its settings (null when not
// read) and the processes holding it through VFIO.
nlohmann::json vf_json(const sriov::VirtualFunction& vf, const sriov::VfSettings* settings,
                       const std::vector<sriov::Holder>& holders);
// list --tree: NUMA node -> PF -> VFs, and GPU -> vGPU instances, with holders.
int run_tree(Context& ctx);

// Publishing (sriovctl publish, and apply after it ran): the file writes that make DIR hold
// FORMAT's render of the host as it is now.
struct PublicationRequest {
  mdev::publish::Format format;
  std::string dir, domain;
  bool remove = false, force = false;
};
struct Publication {
  sriov::Plan plan;
  mdev::publish::Rendered rendered;
  std::vector<std::string> warnings;
};
sriov::Result<Publication> prepare_publication(Context& ctx, const PublicationRequest& request,
                                               const mdev::Profile* profile);
// The profile's publish: entries as requests (default directories and domain filled in).
std::vector<PublicationRequest> profile_publications(const mdev::Profile& profile);
// Publishes every format the profile's publish: list names and says nothing: the caller
// reports (apply prints, watch folds it into its log line).
struct ProfilePublication {
  nlohmann::json entries = nlohmann::json::array();  // the "published" list of the JSON
  std::vector<std::string> lines;     // "published FORMAT to DIR: N file writes", per success
  std::vector<std::string> warnings;  // held devices, devices left out (one per reason)
  std::vector<sriov::Error> errors;   // per format that failed (its files as they were)
};
ProfilePublication publish_profile_files(Context& ctx, const mdev::Profile& profile);
// apply's last act: publish_profile_files, printed; the report goes under "published".
// Exit status.
int publish_profile(Context& ctx, const mdev::Profile& profile, nlohmann::json& report);

// What apply, status and watch share (profile_host.cpp). The host a profile is planned from,
// read once (under the host lock when writing); warnings: definitions that could not be read.
sriov::Result<mdev::HostSnapshot> read_profile_snapshot(Context& ctx, const mdev::Profile& profile,
                                                        std::vector<std::string>& warnings);
// A UUID for each vGPU instance that neither a profile nor a definition names.
sriov::Result<std::string> fresh_uuid();
// How the host differs from the profile: its devices (mdev::measure_drift), then each format
// its publish: list names, as a device of kind "publish" whose differences are the files a
// publish now would change.
struct ProfileDrift {
  mdev::HostDrift host;
  std::vector<std::string> warnings;
};
sriov::Result<ProfileDrift> measure_profile_drift(Context& ctx, const mdev::Profile& profile);
// /run/sriov/last-apply.json: when the last apply or watch repair ran, and its exit status.
void record_apply(Context& ctx, const std::string& command, int status, size_t steps);
std::optional<nlohmann::json> last_apply(const Context& ctx);

// -f/--file PROFILE of plan, apply, status and watch: required, or defaulting to
// kProfilesDir (status, watch: the boot profiles, as the units use them).
inline constexpr const char* kProfilesDir = "/etc/sriov/profiles.d";
// Repeatable: the profiles are merged in the order given; "-" reads standard input.
using ProfilePaths = std::vector<std::string>;
void add_profile_option(CLI::App* cmd, ProfilePaths& paths, bool required);
// Loads them (mdev::load_profiles), reading standard input for "-".
sriov::Result<mdev::Profile> load_profile_args(const ProfilePaths& paths);

// Exit status of status and watch --once when the host differs from its profiles (not 1, which
// means failure), documented in sriovctl(8).
inline constexpr int kExitDrift = 7;

// injected: what tests put in place of the kernel (the step runner, the rtnetlink backend).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        tools::Injected injected = {});

}  // namespace sriovctl
