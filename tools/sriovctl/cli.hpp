#pragma once
// sriovctl's command-line front end: one file per verb registers its subcommand; the selected
// verb runs with a Context after parsing. Runs in-process for tests with injected streams.

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

#include "sriov/executor.hpp"
#include "sriov/planner.hpp"
#include "sriov/sysfs.hpp"
#include "tools/output.hpp"

namespace sriovctl {

struct GlobalOptions {
  std::optional<std::string> sysfs_root;
  bool json = false;
  bool verbose = false;
  double timeout_seconds = 60;
};

struct Context {
  const tools::Output& out;
  const sriov::Sysfs& sysfs;
  const GlobalOptions& options;
  sriov::KernelOptions kernel_options() const;
};

using Runner = std::function<int(Context&)>;

void add_list(CLI::App& app, Runner& selected);
void add_show(CLI::App& app, Runner& selected);
void add_create(CLI::App& app, Runner& selected);
void add_destroy(CLI::App& app, Runner& selected);
void add_bind(CLI::App& app, Runner& selected);  // bind and unbind
void add_set(CLI::App& app, Runner& selected);

// Prints a plan (dry run) or executes it and prints the outcome; returns the exit status.
// link: the rtnetlink backend the plan's VF settings go through (its request counts are
// reported as "netlink" in JSON and with -v).
int run_plan(Context& ctx, const std::string& command, sriov::Result<sriov::Plan> plan,
             bool dry_run, sriov::LinkBackend* link = nullptr);

// Reads the host and finds one PF; prints the error and returns nullopt + status on failure.
struct Loaded {
  std::optional<sriov::Inventory> inventory;
  int status = 0;
};
Loaded load_inventory(Context& ctx);

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err);

}  // namespace sriovctl
