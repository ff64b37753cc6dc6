#pragma once
// Output shared by the command-line tools: text tables, plans, errors and the JSON shapes
// documented in sriovctl(8). Commands write to injected streams so tests can compare output.

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sriov/device.hpp"
#include "sriov/error.hpp"
#include "sriov/executor.hpp"
#include "sriov/plan.hpp"
#include "tools/progress.hpp"

namespace tools {

// "<program>: error: <message>": the one place the tools' error prefix is written.
void print_error(std::ostream& err, std::string_view program, std::string_view message);

struct Output {
  std::ostream& out;
  std::ostream& err;
  std::string program;  // "sriovctl"
  bool json = false;
  bool verbose = false;
  const Progress* progress = nullptr;  // the terminal's progress line, if any

  // The progress line (nothing when stderr is not a terminal, or --quiet); every message
  // below clears it first.
  void show_progress(std::string_view line) const {
    if (progress) progress->show(line);
  }
  void clear_progress() const {
    if (progress) progress->clear();
  }

  // Prints "<program>: error: ..." once on stderr (and the JSON error object on stdout with
  // --json); returns the exit status for the error's code.
  int error(const sriov::Error& error) const;
  // The stderr line alone, for a failed run whose JSON report (error included) is printed
  // already; returns the exit status.
  int error_line(const sriov::Error& error) const;
  void warn(const std::string& message) const;
  void print_json(const nlohmann::json& value) const;
};

nlohmann::json to_json(const sriov::Error& error);
nlohmann::json to_json(const sriov::PhysicalFunction& pf);
nlohmann::json to_json(const sriov::VirtualFunction& vf);

// A plan (dry run) or an executed plan (with a report) as JSON / text.
nlohmann::json plan_json(const std::string& command, const sriov::Plan& plan, bool dry_run,
                         const sriov::ExecutionReport* report);
void print_plan_text(const Output& o, const sriov::Plan& plan);
void print_report_text(const Output& o, const sriov::Plan& plan,
                       const sriov::ExecutionReport& report);

// Left-aligned columns separated by two spaces; the last column is not padded.
class Table {
 public:
  explicit Table(std::vector<std::string> header) { rows_.push_back(std::move(header)); }
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// For a short-lived tool: the heap grows in 4 MiB steps and is never given back before exit.
// glibc's defaults grew it 132 KiB at a time and trimmed it 8 KiB per free while the tool
// tore down, ~250 brk calls for `sriovctl list`, each a page-table change that emulation
// makes expensive.
void tune_allocator();

// The options both tools take before or after their subcommand.
struct CommonOptions {
  std::optional<std::string> sysfs_root;
  bool json = false;
  bool verbose = false;
  double timeout_seconds = 60;  // watchdog of kernel writes and reads that can block
  double lock_timeout_seconds = 30;  // wait for the host lock /run/sriov/lock
  bool quiet = false;                // no progress line on a terminal
};
// --version, --sysfs-root, --json, -v/--verbose, -q/--quiet, --timeout and --lock-timeout;
// one subcommand required.
void add_common_options(CLI::App& app, CommonOptions& options, const std::string& version,
                        const std::string& man_page);
// After the verbs are added: each verb's --help ends with the global options, then the
// tool's footer (exit statuses, man page).
void list_global_options_in_verbs(CLI::App& app);

// Declares a subcommand's options and positionals only when that subcommand is on the command
// line (CLI11 runs `declare` just before parsing the subcommand's arguments, so its --help and
// its errors are complete). CLI11 builds every option eagerly; declaring all of them took
// 0.5 M of a short command's 1.3 M start-up instructions.
inline void declare_when_used(CLI::App* cmd, std::function<void()> declare) {
  cmd->preparse_callback([declare = std::move(declare)](std::size_t) { declare(); });
}

// Parses the command line. Help, version and usage errors end the run: their exit status is
// returned (usage errors print "<program>: error: ..." and give 2). nullopt: run the command.
std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::ostream& out, std::ostream& err,
                                      const std::string& program);

// Validators for numbers on the command line: the same rules as profiles (sriov/text.hpp),
// checked before anything else runs: decimal only (CLI11 alone would read "010" as octal 8
// and "0x10" as hex), seconds without NaN, infinity or exponents.
CLI::Validator decimal(uint64_t min, uint64_t max);
CLI::Validator seconds(double min, double max);
// An empty value given on purpose ('') must not quietly mean "all" or "the default".
CLI::Validator non_empty(const std::string& hint);

// Runs a tool's command line with everything it prints escaped (EscapingStream).
int run_escaped(std::ostream& out, std::ostream& err,
                const std::function<int(std::ostream& out, std::ostream& err)>& body);
// The exit status once stdout is flushed: a failed write of the output (a full disk, a closed
// descriptor) is an error (status 1, said on stderr), never a silent success.
int finish_stdout(int status, std::string_view program);

std::string or_dash(const std::string& text);

}  // namespace tools
