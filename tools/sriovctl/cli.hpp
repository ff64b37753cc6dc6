#pragma once
// sriovctl's command-line front end: one file per verb registers its subcommand; the selected
// verb runs with a Context after parsing. Runs in-process for tests with injected streams.

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

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
// apply's last act: publishes every format the profile's publish: list names; its report
// goes under "published". Exit status.
int publish_profile(Context& ctx, const mdev::Profile& profile, nlohmann::json& report);

// injected: what tests put in place of the kernel (the step runner, the rtnetlink backend).
int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        tools::Injected injected = {});

}  // namespace sriovctl
