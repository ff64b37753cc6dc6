#pragma once
// How the host differs from its profiles, as status and watch report it (text, JSON,
// OpenMetrics); the shapes are documented in sriovctl(8).

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli.hpp"

namespace sriovctl {

struct StatusReport {
  std::vector<std::string> files;  // the profile files
  ProfileDrift drift;
  std::optional<nlohmann::json> last_apply;
  bool in_sync() const { return drift.host.differences() == 0; }
};

nlohmann::json status_json(const StatusReport& report);
void print_status_text(std::ostream& out, const StatusReport& report);
// OpenMetrics text (also read by node_exporter's textfile collector), ending in "# EOF".
std::string status_metrics(const StatusReport& report);

// The snapshot under the host lock (unless the caller holds it), measured; the last apply.
sriov::Result<StatusReport> read_status(Context& ctx, const mdev::Profile& profile);
// Prints the report (text or JSON), writes the metrics file if asked; exit status 0 in sync,
// kExitDrift when the host differs, 2 when the profile cannot be planned on this host.
int report_status(Context& ctx, const StatusReport& report,
                  const std::optional<std::string>& metrics);
// The metrics file written whole (a temporary file renamed over it).
sriov::Status write_metrics(const std::string& file, const std::string& text);

}  // namespace sriovctl
