// Journal::find: <root>/run/sriov/journal.json, left by a run that was killed (its last
// record may be torn, the file may be damaged). The tools read it at the start of every
// writing command, so any content must give a run to recover or an error, never a throw.
#include "fuzz_common.hpp"
#include "mdev/step_kinds.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/journal.hpp"
#include "sriov/step_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = std::string(sriov::kRunDir) + "/journal.json";
  fuzz::put_file(path, fuzz::text(data, size));
  static const sriov::Sysfs sysfs(fuzz::scratch_root());
  auto found = sriov::Journal::find(sysfs, mdev::all_step_kinds());
  if (!found || !*found) return 0;
  // What `sriovctl recover` shows before undoing, and the records a resumed journal writes.
  for (const auto& step : (*found)->plan.steps) {
    step.describe();
    step.target();
    step.writes();
    std::string record;
    step.encode(record);
  }
  return 0;
}
