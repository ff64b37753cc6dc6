// Writes seed journals for fuzz_journal (scripts/fuzz seeds): the library's own writer
// (Journal::begin, step_done) recording a plan with every step kind, so the seeds have the
// exact format and field names, whatever the kinds encode today.
// Usage: seed_journal OUTDIR
#include <filesystem>
#include <fstream>
#include <iostream>

#include "fuzz_common.hpp"
#include "mdev/steps/mdev_steps.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/journal.hpp"
#include "sriov/steps/bind_driver.hpp"
#include "sriov/steps/set_autoprobe.hpp"
#include "sriov/steps/set_numvfs.hpp"
#include "sriov/steps/set_vf_settings.hpp"

namespace fs = std::filesystem;
using namespace sriov;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  fs::path out = argv[1];
  fs::create_directories(out);
  Sysfs sysfs(fuzz::scratch_root());
  auto journal_file = fuzz::scratch_root() / "run/sriov/journal.json";
  fs::create_directories(journal_file.parent_path());

  Plan plan;
  plan.summary = "apply profile p.yaml: 2 PFs, 1 GPU";
  plan.steps.push_back(SetAutoprobe{"ens1f0", "/sys/devices/pci0000:3a/0000:3b:00.0", true, false});
  SetNumVfs n{"ens1f0", "/sys/devices/pci0000:3a/0000:3b:00.0", 0, 4, 0, true, {}};
  n.prior.push_back({std::string("vfio-pci"), std::nullopt});
  n.prior.push_back({std::nullopt, std::string("vfio-pci")});
  plan.steps.push_back(n);
  plan.steps.push_back(BindDriver{"ens1f0", 3, *PciAddress::parse("3b:02.3"), std::string("iavf"),
                                  std::nullopt, std::string("vfio-pci")});
  SetVfSettings v{"ens1f0", "ens1f0", "i40e", {}, {}};
  VfChange c;
  c.index = 2;
  c.after.vlan = 10;
  c.after.qos = 3;
  c.after.vlan_proto = VlanProto::dot1ad;
  c.after.spoofchk = true;
  c.after.trust = false;
  c.after.mac = *MacAddress::parse("02:00:00:00:00:02");
  c.after.max_rate = 1000;
  c.after.link_state = LinkState::disable;
  c.fields = kFieldVlan | kFieldSpoofchk | kFieldMac | kFieldRate | kFieldTrust | kFieldLinkState;
  v.changes.push_back(c);
  VfConfig cfg;
  cfg.mac_from = *MacAddress::parse("02:00:00:00:00:10");
  cfg.query_rss = true;
  v.deferred.push_back({5, cfg, 3});
  plan.steps.push_back(v);
  plan.steps.push_back(mdev::CreateMdev{"0000:af:00.0", "nvidia-230",
                                        "/sys/devices/pci0000:ae/0000:af:00.0/mdev_supported_types/nvidia-230",
                                        "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01"});
  plan.steps.push_back(mdev::RemoveMdev{"mbochs", "mbochs-small", "/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-small",
                                        "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02"});
  plan.steps.push_back(mdev::SetVgpuType{"0000:ca:00.4", "/sys/devices/pci0000:c9/0000:ca:00.4", 0, 1155, "NVIDIA L40S-4Q"});
  plan.steps.push_back(mdev::WriteConfigFile{"/etc/mdevctl.d/mbochs/c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02", std::nullopt,
                                             std::string("{\n  \"mdev_type\": \"mbochs-small\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}"),
                                             "mdevctl definition of c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02", "mbochs"});

  auto save = [&](const std::string& name, const std::string& extra = {}) {
    std::ifstream in(journal_file, std::ios::binary);
    std::ofstream(out / name, std::ios::binary) << in.rdbuf() << extra;
  };
  {
    auto journal = Journal::begin(sysfs, "sriovctl apply -f p.yaml", plan);
    if (!journal) return std::cerr << journal.error().message << "\n", 1;
    save("header-only");
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      if (!journal->step_done(i, plan)) return 1;
      if (i == 2) save("three-done");
    }
    save("all-done");
    save("torn-record", R"({"done":9,"index":8,"step":{"type":"bi)");
  }
  // One plan of a single step per kind: small seeds the fuzzer mutates field by field.
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    Plan one;
    one.summary = "one step";
    one.steps.push_back(plan.steps[i]);
    auto journal = Journal::begin(sysfs, "vgpuctl create", one);
    if (!journal || !journal->step_done(0, one)) return 1;
    save("step-" + std::string(plan.steps[i].type()));
  }
  return 0;
}
