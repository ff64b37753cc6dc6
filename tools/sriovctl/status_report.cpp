// The report of how the host differs from its profiles, in the three shapes status (and watch)
// give it: text for people, JSON (sriovctl(8) "JSON output"), and an OpenMetrics textfile for
// node_exporter's textfile collector.
#include "status_report.hpp"

#include <fmt/format.h>

namespace sriovctl {
namespace {

// "netdevsim1 (eth0) VF 3" under "netdevsim1 (eth0)" reads "VF 3".
std::string short_subject(const std::string& subject, const std::string& device) {
  if (subject == device) return {};
  if (subject.size() > device.size() + 1 && subject.compare(0, device.size(), device) == 0 &&
      subject[device.size()] == ' ')
    return subject.substr(device.size() + 1);
  return subject;
}

// OpenMetrics label values escape backslash, double quote and newline.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void family(std::string& out, const char* name, const char* help) {
  out += fmt::format("# TYPE {} gauge\n# HELP {} {}\n", name, name, help);
}

}  // namespace

nlohmann::json status_json(const StatusReport& r) {
  nlohmann::json devices = nlohmann::json::array();
  for (const auto& d : r.drift.host.devices) {
    nlohmann::json diffs = nlohmann::json::array();
    for (const auto& x : d.differences)
      diffs.push_back({{"subject", x.subject}, {"field", x.field}, {"wanted", x.wanted},
                       {"have", x.have}});
    devices.push_back({{"kind", d.kind}, {"name", d.name}, {"in_sync", d.in_sync()},
                       {"present", !d.absent}, {"absent", d.absent ? nlohmann::json(*d.absent) : nullptr},
                       {"wanted_count", d.wanted}, {"present_count", d.present},
                       {"differences", diffs}});
  }
  return {{"profile", r.files},
          {"in_sync", r.in_sync()},
          {"differences", r.drift.host.differences()},
          {"devices", devices},
          {"refusals", r.drift.host.refusals},
          {"warnings", r.drift.warnings},
          {"last_apply", r.last_apply ? *r.last_apply : nlohmann::json(nullptr)}};
}

void print_status_text(std::ostream& out, const StatusReport& r) {
  for (const auto& d : r.drift.host.devices) {
    if (d.absent) {
      out << fmt::format("{} {}: absent: {}\n", d.kind, d.name, *d.absent);
      continue;
    }
    if (d.differences.empty()) {
      out << fmt::format("{} {}: in sync\n", d.kind, d.name);
      continue;
    }
    out << fmt::format("{} {}: {} difference{}\n", d.kind, d.name, d.differences.size(),
                       d.differences.size() == 1 ? "" : "s");
    for (const auto& x : d.differences) {
      auto subject = short_subject(x.subject, d.name);
      out << fmt::format("  {}{}: profile {}, host {}\n", subject.empty() ? "" : subject + " ",
                         x.field, x.wanted, x.have.empty() ? "(none)" : x.have);
    }
  }
  for (const auto& refusal : r.drift.host.refusals)
    out << "apply would refuse: " << refusal << "\n";
  size_t n = r.drift.host.differences();
  if (n == 0)
    out << fmt::format("in sync with {}\n", fmt::join(r.files, ", "));
  else
    out << fmt::format("drift: {} difference{} from {}\n", n, n == 1 ? "" : "s",
                       fmt::join(r.files, ", "));
}

std::string status_metrics(const StatusReport& r) {
  std::string out;
  const auto& devices = r.drift.host.devices;
  auto each = [&](const char* name, const char* help, auto value) {
    family(out, name, help);
    for (const auto& d : devices)
      out += fmt::format("{}{{kind=\"{}\",device=\"{}\"}} {}\n", name, d.kind, label(d.name),
                         value(d));
  };
  each("sriov_device_present", "1 when the host has the PF, GPU or publish directory",
       [](const mdev::DeviceDrift& d) { return d.absent ? 0 : 1; });
  each("sriov_device_in_sync", "1 when the device matches its profile",
       [](const mdev::DeviceDrift& d) { return d.in_sync() ? 1 : 0; });
  each("sriov_device_drift", "Differences between the device and its profile",
       [](const mdev::DeviceDrift& d) { return d.differences.size() + (d.absent ? 1 : 0); });
  each("sriov_device_wanted", "VFs (pf), vGPU instances (gpu) or files (publish) wanted",
       [](const mdev::DeviceDrift& d) { return d.wanted; });
  each("sriov_device_have", "VFs (pf), vGPU instances (gpu) or matching files (publish) present",
       [](const mdev::DeviceDrift& d) { return d.present; });
  family(out, "sriov_drift", "Differences between the host and its profiles");
  out += fmt::format("sriov_drift {}\n", r.drift.host.differences());
  if (r.last_apply) {
    family(out, "sriov_last_apply_timestamp_seconds",
           "When the last apply or watch repair ended (Unix time)");
    out += fmt::format("sriov_last_apply_timestamp_seconds {}\n",
                       (*r.last_apply)["time"].get<long long>());
    family(out, "sriov_last_apply_status", "Exit status of the last apply or repair (0: ok)");
    out += fmt::format("sriov_last_apply_status {}\n", (*r.last_apply)["status"].get<int>());
  }
  out += "# EOF\n";
  return out;
}

}  // namespace sriovctl
