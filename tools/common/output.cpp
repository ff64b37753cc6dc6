#include "tools/output.hpp"

#include <malloc.h>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <set>

#include "sriov/json_text.hpp"
#include "sriov/text.hpp"
#include "tools/escaping_stream.hpp"

namespace tools {

using nlohmann::json;

namespace {

template <class T>
json opt(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

}  // namespace

void tune_allocator() {
  mallopt(M_TOP_PAD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

void add_common_options(CLI::App& app, CommonOptions& options, const std::string& version,
                        const std::string& man_page) {
  app.set_version_flag("--version", version);
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--sysfs-root", options.sysfs_root,
                 "Read and write the host tree under DIR instead of / (env SRIOV_SYSFS_ROOT)")
      ->type_name("DIR")
      ->check(non_empty("give / for the live host"));
  app.add_flag("--json", options.json, "Print JSON (shapes in " + man_page + ")");
  app.add_flag("-v,--verbose", options.verbose, "Print the plan before executing it");
  app.add_flag("-q,--quiet", options.quiet,
               "Show no progress line on a terminal (steps, lock and device waits); results "
               "and errors still print");
  app.add_option("--timeout", options.timeout_seconds,
                 "Watchdog for kernel writes and reads that can block, in seconds (default 60)")
      ->type_name("SECONDS")
      ->check(seconds(0.1, 3600.0));
  app.add_option("--lock-timeout", options.lock_timeout_seconds,
                 "How long a writing command waits for the host lock /run/sriov/lock, in seconds "
                 "(default 30)")
      ->type_name("SECONDS")
      ->check(seconds(0.0, 86400.0));
}

void list_global_options_in_verbs(CLI::App& app) {
  // A verb's --help lists its own options only; these (accepted before or after the verb,
  // fallthrough) are what a user reaching for --json or --sysfs-root there looks for.
  std::string globals = "Global options (before or after the verb):";
  for (const CLI::Option* opt : app.get_options()) {
    if (opt->get_name() == "--help" || opt->get_name() == "--version") continue;
    std::string type = opt->get_type_name();
    std::string names = opt->get_name(false, true);
    std::replace(names.begin(), names.end(), ',', '/');
    globals += " " + names + (opt->get_type_size() != 0 && !type.empty()
                                                      ? " " + type.substr(0, type.find(':'))
                                                      : "") + ",";
  }
  globals.back() = ';';
  globals += " see " + app.get_name() + " --help.\n";
  for (CLI::App* verb : app.get_subcommands({})) verb->footer(globals + app.get_footer());
}

std::optional<int> parse_command_line(CLI::App& app, int argc, const char* const* argv,
                                      std::ostream& out, std::ostream& err,
                                      const std::string& program) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e, out, err);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    Output o{out, err, program, false, false};
    // --json asked for: the usage error is a JSON error object too, like every other error.
    try {
      o.json = app.get_option("--json")->count() > 0;
    } catch (const CLI::Error&) {
    }
    return o.error({sriov::Errc::invalid_input,
                    fmt::format("{} (see {} --help)", e.what(), program)});
  }
  return std::nullopt;
}

CLI::Validator decimal(uint64_t min, uint64_t max) {
  return CLI::Validator(
      [min, max](std::string& v) {
        auto n = sriov::parse_decimal(v, max);
        if (n && *n >= min) return std::string();
        return sriov::decimal_problem(v, min, max);
      },
      fmt::format("{}-{}", min, max));
}

CLI::Validator seconds(double min, double max) {
  return CLI::Validator(
      [min, max](std::string& v) {
        auto s = sriov::parse_seconds(v, max);
        if (s && *s >= min) return std::string();
        return fmt::format("'{}' is not a number of seconds in {:g}-{:g} (digits with an "
                           "optional fraction: 30, 0.5)",
                           sriov::escape(v, true), min, max);
      },
      fmt::format("{:g}-{:g}", min, max));
}

CLI::Validator non_empty(const std::string& hint) {
  return CLI::Validator(
      [hint](std::string& v) { return v.empty() ? "an empty value names nothing; " + hint : ""; },
      "");
}

int run_escaped(std::ostream& out, std::ostream& err,
                const std::function<int(std::ostream&, std::ostream&)>& body) {
  EscapingStream safe_out(out), safe_err(err);
  return body(safe_out, safe_err);
}

int finish_stdout(int status, std::string_view program) {
  std::fflush(stdout);
  if (!std::ferror(stdout)) return status;
  int err = errno;
  std::fprintf(stderr, "%.*s: error: writing the output failed: %s\n",
               static_cast<int>(program.size()), program.data(),
               err ? std::strerror(err) : "write error");
  return status == 0 ? 1 : status;
}

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

json to_json(const sriov::Error& error) {
  json j = {{"code", sriov::code_name(error.code)},
            {"exit_status", sriov::exit_status(error.code)},
            {"message", error.message}};
  j["path"] = error.path.empty() ? json(nullptr) : json(error.path);
  j["errno"] = error.sys_errno ? json(error.sys_errno) : json(nullptr);
  return j;
}

void print_error(std::ostream& err, std::string_view program, std::string_view message) {
  err << program << ": error: " << message << "\n";
}

namespace {

// A refusal by the kernel or the file system to a user other than root is almost always
// that: say so once, after the message that names the file.
void root_hint(std::ostream& err, std::string_view program, const sriov::Error& e) {
  if ((e.sys_errno == EACCES || e.sys_errno == EPERM) && ::geteuid() != 0)
    err << program << ": hint: " << program
        << " changes devices and takes the host lock under /run/sriov as root; run it with "
           "sudo (or as root)\n";
}

}  // namespace

int Output::error_line(const sriov::Error& e) const {
  clear_progress();
  print_error(err, program, e.message);
  root_hint(err, program, e);
  return sriov::exit_status(e.code);
}

int Output::error(const sriov::Error& e) const {
  int status = error_line(e);
  if (json) print_json({{"error", to_json(e)}});
  return status;
}

void Output::warn(const std::string& message) const {
  clear_progress();
  err << program << ": warning: " << message << "\n";
}

void Output::print_json(const nlohmann::json& value) const {
  clear_progress();
  out << sriov::dump_utf8(value, 2) << "\n";
}

json to_json(const sriov::PhysicalFunction& pf) {
  json j;
  j["id"] = pf.id;
  j["address"] = pf.address ? json(pf.address->str()) : json(nullptr);
  j["bus"] = pf.bus;
  j["vendor_id"] = pf.is_pci ? json(sriov::hex4(pf.vendor_id)) : json(nullptr);
  j["device_id"] = pf.is_pci ? json(sriov::hex4(pf.device_id)) : json(nullptr);
  j["vendor"] = pf.vendor_name;
  j["device"] = pf.device_name;
  j["driver"] = opt(pf.driver);
  j["netdevs"] = pf.netdevs;
  j["total_vfs"] = opt(pf.total_vfs);
  j["num_vfs"] = pf.num_vfs;
  j["drivers_autoprobe"] = opt(pf.drivers_autoprobe);
  j["vf_offset"] = opt(pf.vf_offset);
  j["vf_stride"] = opt(pf.vf_stride);
  j["vf_device_id"] = pf.vf_device_id ? json(sriov::hex4(*pf.vf_device_id)) : json(nullptr);
  j["numa_node"] = opt(pf.numa_node);
  j["iommu_group"] = opt(pf.iommu_group);
  j["link_speed_mbps"] = opt(pf.link_speed_mbps);
  return j;
}

json to_json(const sriov::VirtualFunction& vf) {
  json j;
  j["index"] = vf.index;
  j["address"] = vf.address ? json(vf.address->str()) : json(nullptr);
  j["driver"] = opt(vf.driver);
  j["driver_override"] = opt(vf.driver_override);
  j["netdevs"] = vf.netdevs;
  j["iommu_group"] = opt(vf.iommu_group);
  j["iommu_group_peers"] = vf.iommu_group_peers;
  return j;
}

json plan_json(const std::string& command, const sriov::Plan& plan, bool dry_run,
               const sriov::ExecutionReport* report) {
  json steps = json::array();
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& step = plan.steps[i];
    json writes = json::array();
    for (const auto& w : sriov::planned_writes(step))
      writes.push_back({{"path", w.path}, {"value", w.value}});
    auto d = sriov::disruption(step);
    steps.push_back({{"index", i + 1},
                     {"action", sriov::step_action(step)},
                     {"target", sriov::step_target(step)},
                     {"description", sriov::describe(step)},
                     {"disruption", d.empty() ? json(nullptr) : json(d)},
                     {"writes", writes},
                     {"status", report ? sriov::status_name(report->status[i]) : "planned"}});
  }
  json j = {{"command", command},
            {"summary", plan.summary},
            {"dry_run", dry_run},
            {"changed", report ? report->changed() : false},
            {"steps", steps},
            {"notes", plan.notes},
            {"warnings", report ? report->warnings : std::vector<std::string>{}}};
  j["error"] = report && report->error ? to_json(*report->error) : json(nullptr);
  return j;
}

namespace {

// A value as one line of the text plan: "\n" (clearing driver_override) shown as such, a file
// of several lines (an mdevctl definition) with its lines joined; JSON keeps the exact value.
std::string one_line(const std::string& value) {
  if (value == "\n") return "\"\\n\"";
  if (value.find('\n') == std::string::npos) return value;
  std::string out;
  size_t start = 0;
  while (start <= value.size()) {
    size_t end = value.find('\n', start);
    if (end == std::string::npos) end = value.size();
    std::string_view line(value.data() + start, end - start);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (!line.empty()) out += (out.empty() ? "" : " ") + std::string(line);
    start = end + 1;
  }
  return out;
}

}  // namespace

void print_plan_text(const Output& o, const sriov::Plan& plan) {
  if (!plan.summary.empty()) o.out << "plan: " << plan.summary << "\n";
  // Steps are grouped under their PF when a plan spans several (profiles).
  std::set<std::string> groups;
  for (const auto& step : plan.steps) groups.insert(sriov::step_group(step));
  std::string group;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const auto& step = plan.steps[i];
    if (auto g = sriov::step_group(step); groups.size() > 1 && g != group) {
      group = g;
      o.out << group << ":\n";
    }
    auto d = sriov::disruption(step);
    o.out << fmt::format("  {}. {}{}\n", i + 1, sriov::describe(step),
                         d.empty() ? "" : "  [" + d + "]");
    for (const auto& w : sriov::planned_writes(step))
      o.out << fmt::format("       write {} > {}\n", one_line(w.value), w.path);
  }
  for (const auto& note : plan.notes) o.out << "note: " << note << "\n";
  if (plan.steps.empty()) o.out << "no changes\n";
}

void print_report_text(const Output& o, const sriov::Plan& plan,
                       const sriov::ExecutionReport& report) {
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    auto status = report.status[i];
    if (status == sriov::StepStatus::not_run) continue;
    o.out << fmt::format("{}: {}\n", sriov::status_name(status), sriov::describe(plan.steps[i]));
  }
  if (!o.verbose)  // with -v the plan, notes included, was printed before running
    for (const auto& note : plan.notes) o.out << "note: " << note << "\n";
  for (const auto& w : report.warnings) o.warn(w);
  if (report.ok()) {
    size_t done = std::count(report.status.begin(), report.status.end(), sriov::StepStatus::done);
    if (done == 0) {
      if (!o.verbose || !plan.steps.empty()) o.out << "no changes\n";  // -v printed it already
    }
    else o.out << fmt::format("changed: {} step{} applied\n", done, done == 1 ? "" : "s");
  }
}

void Table::print(std::ostream& out) const {
  std::vector<size_t> width;
  for (const auto& row : rows_) {
    if (width.size() < row.size()) width.resize(row.size(), 0);
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      line += row[c];
      if (c + 1 < row.size()) line += std::string(width[c] - row[c].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

}  // namespace tools
