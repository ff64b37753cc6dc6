#pragma once
// The one front end both tools run their verbs through: the context a verb gets (sysfs root,
// options, the host lock, the runner plans execute through and the rtnetlink backend, both
// injectable by tests), the "lock, recover, then read the host" policy for writers, and one
// run_plan that prints a dry run or executes and reports.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "sriov/executor.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/sysfs.hpp"
#include "tools/output.hpp"

namespace tools {

// Makes the runner that executes plans (the kernel's in production, a fake in tests); link is
// the context's rtnetlink backend when one was made, else null.
using RunnerFactory = std::function<std::unique_ptr<sriov::StepRunner>(
    const sriov::Sysfs&, sriov::KernelOptions, sriov::LinkBackend* link)>;
using LinkFactory = std::function<std::unique_ptr<sriov::LinkBackend>()>;

// The host tree --sysfs-root names (or $SRIOV_SYSFS_ROOT, or /), its watchdog of reads that
// can block in the kernel set to --timeout as writes' is.
sriov::Result<sriov::Sysfs> open_sysfs(const CommonOptions& options);

// What a test puts in place of the kernel (empty: the real thing).
struct Injected {
  RunnerFactory make_runner;
  LinkFactory make_link;  // lets VF settings be read and set on a fixture tree
};

struct Context {
  Context(const Output& o, const sriov::Sysfs& s, const CommonOptions& opts, std::string line,
          Injected inject = {})
      : out(o), sysfs(s), options(opts), command_line(std::move(line)),
        injected(std::move(inject)) {}
  const Output& out;
  const sriov::Sysfs& sysfs;
  const CommonOptions& options;
  std::string command_line;  // names the holder of the host lock and the run in the journal
  Injected injected;
  std::optional<sriov::HostLock> lock;

  sriov::KernelOptions kernel_options() const;
  // The policy of every writing verb: wait for late devices (--wait) without the lock, since
  // the writer that creates them may need it; then begin_write; then read the snapshot the
  // plan is made from, under the lock. begin_write takes the host lock /run/sriov/lock (held
  // until exit) and rolls back a run either tool left half-done (its journal). Prints and
  // returns the exit status on failure, 0 otherwise; a no-op once the lock is held.
  int begin_write();
  // The rtnetlink backend VF settings are read and set through, made on first use: the
  // injected one, else libnl on the live host; an error under --sysfs-root.
  sriov::Result<sriov::LinkBackend*> link();
  // For readers that do without VF settings where there are none to read: null under
  // --sysfs-root (a tree has no rtnetlink), else link().
  sriov::Result<sriov::LinkBackend*> link_where_available();
  // The backend if one was made (its request counts go into the report), else null.
  sriov::LinkBackend* link_if_made() const { return link_.get(); }
  // The runner plans execute through (the injected one, else the kernel's), with the fault
  // injection switch; kernel: the KernelRunner inside it, if it is one.
  std::unique_ptr<sriov::StepRunner> make_runner(sriov::KernelRunner*& kernel);
  // Executes a plan journaled under the host lock (taken already) and reports, printing
  // nothing; an error only when the journal cannot be started.
  sriov::Result<sriov::ExecutionReport> execute(sriov::Plan& plan);

 private:
  std::unique_ptr<sriov::LinkBackend> link_;
};

// Prints a plan (dry run: through the recording runner, refusals included) or executes it
// journaled under the host lock and prints the outcome; returns the exit status. `extra` is
// merged into the JSON object (e.g. the instances a create made); the rtnetlink request
// counts are added when the plan used the context's backend.
// Runs after a plan executed to completion (not after a failure or a dry run): prints its text
// lines, or fills `report` with keys merged into the JSON report; returns an exit status.
using AfterSuccess = std::function<int(Context&, nlohmann::json& report)>;

int run_plan(Context& ctx, const std::string& command, sriov::Result<sriov::Plan> plan,
             bool dry_run, nlohmann::json extra = nlohmann::json::object(),
             const AfterSuccess& after = {});

}  // namespace tools
