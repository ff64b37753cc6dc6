#pragma once
// vgpuctl's command-line front end, built like sriovctl's: one file per verb registers its
// subcommand; the selected verb runs with a Context after parsing. Runs in-process for tests
// with injected streams and, optionally, an injected StepRunner.

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "mdev/mdevctl.hpp"
#include "mdev/planner.hpp"
#include "mdev/vgpu.hpp"
#include "sriov/executor.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/sysfs.hpp"
#include "tools/front_end.hpp"
#include "tools/output.hpp"

namespace vgpuctl {

using GlobalOptions = tools::CommonOptions;
using tools::Context;
using tools::RunnerFactory;
using tools::run_plan;

using Runner = std::function<int(Context&)>;

void add_list(CLI::App& app, Runner& selected);
void add_types(CLI::App& app, Runner& selected);
void add_create(CLI::App& app, Runner& selected);
void add_remove(CLI::App& app, Runner& selected);
void add_plan(CLI::App& app, Runner& selected);
void add_define(CLI::App& app, Runner& selected);  // define and undefine
void add_start(CLI::App& app, Runner& selected);   // start and stop

// Reads the host; prints the error and returns nullopt + status on failure.
struct Loaded {
  std::optional<mdev::VgpuHost> host;
  int status = 0;
};
Loaded load_host(Context& ctx);

// Finds PARENT; with wait > 0 waits (event-driven, bounded) for it to appear.
sriov::Result<mdev::VgpuHost> host_with_target(Context& ctx, const std::string& parent,
                                               double wait_seconds);

// --uuid values, parsed strictly and made canonical.
sriov::Result<std::vector<std::string>> parse_uuids(const std::vector<std::string>& texts);
sriov::Result<std::vector<std::string>> random_uuids(size_t n);

int run(int argc, const char* const* argv, std::ostream& out, std::ostream& err,
        RunnerFactory make_runner = {});

}  // namespace vgpuctl
