#include <sys/stat.h>

#include <fstream>
#include <iterator>
#include <regex>
#include <set>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "mdev/step_kinds.hpp"
#include "mdev/host_profile.hpp"
#include "mdev/steps/mdev_steps.hpp"
#include "tools/writing.hpp"
#include "mdev/profile.hpp"
#include "sriov/host_lock.hpp"
#include "sriov/journal.hpp"
#include "sriov/planner.hpp"
#include "mdev/profile_file.hpp"
#include "mdev/size.hpp"
#include "mdev/uuid.hpp"

using namespace sriov;
using mdev::load_profile;
using mdev::parse_profile;
using mdev::Profile;
using mdev::kGiB;
using mdev::kMiB;
using mdev::Uuid;
namespace fs = std::filesystem;

namespace {

Profile parse(const std::string& text) {
  auto p = parse_profile(text, "p.yaml");
  if (!p) FAIL(p.error().message);
  return *p;
}

Result<Plan> plan_on(const std::string& host, const std::string& text, bool allow = false) {
  Sysfs sysfs(test::fixture(host));
  auto inv = Inventory::scan(sysfs, false);
  if (!inv) FAIL(inv.error().message);
  auto profile = parse(text);
  auto snapshot = read_nic_snapshot(sysfs, *inv, profile.nics, nullptr);
  if (!snapshot) FAIL(snapshot.error().message);
  return plan_profile(*snapshot, profile.nics, profile.files, {allow});
}

std::vector<std::string> writes(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps)
    for (const auto& w : planned_writes(step)) out.push_back(w.value + " > " + w.path);
  return out;
}

}  // namespace

TEST_CASE("profiles parse every key into the model", "[profile]") {
  auto p = parse(R"(version: 1
nics:
  - pf: ens1f0
    num-vfs: 8
    drivers-autoprobe: false
    vfs:
      - id: 0-3
        mac-from: "02:00:00:10:00:00"
        vlan-id: 100
        qos: 3
        vlan-proto: 802.1AD
        min-tx-rate: 100
        max-tx-rate: 1000
        spoof-check: true
        trust: false
        link-state: enable
        query-rss: false
        driver: vfio-pci
      - id: 5
        mac-address: "02:00:00:00:00:05"
  - match: {vendor-id: "0x15b3", device-id: "101d", driver: mlx5_core}
    num-vfs: 2
gpus: []
)");
  REQUIRE(p.nics.size() == 2);
  const auto& n = p.nics[0];
  CHECK(n.select.pf == "ens1f0");
  CHECK(n.num_vfs == 8);
  CHECK(n.drivers_autoprobe == false);
  REQUIRE(n.vfs.size() == 2);
  const auto& c = n.vfs[0].config;
  CHECK(n.vfs[0].ids == std::vector<unsigned>{0, 1, 2, 3});
  CHECK(c.mac_from->str() == "02:00:00:10:00:00");
  CHECK(c.vlan == 100u);
  CHECK(c.qos == 3u);
  CHECK(c.vlan_proto == VlanProto::dot1ad);
  CHECK(c.min_rate == 100u);
  CHECK(c.max_rate == 1000u);
  CHECK(c.spoofchk == true);
  CHECK(c.trust == false);
  CHECK(c.link_state == LinkState::enable);
  CHECK(c.query_rss == false);
  CHECK(n.vfs[0].driver == "vfio-pci");
  CHECK(n.vfs[1].config.mac->str() == "02:00:00:00:00:05");
  CHECK(p.nics[1].select.vendor_id == 0x15b3);
  CHECK(p.nics[1].select.str() == "match {vendor-id: 15b3, device-id: 101d, driver: mlx5_core}");
}

TEST_CASE("every error of a profile is reported at once with file:line:col", "[profile]") {
  auto p = parse_profile(R"(version: 1
nics:
  - pf: ens1f0
    num-vfs: 4
    colour: blue
    vfs:
      - id: 0-3
        vlan-id: 5000
        spoof-check: maybe
      - id: 3-5
        mac-address: "02:00:00:00:00:01"
        qos: 8
  - num-vfs: many
  - pf: ens1f1
    match: {driver: i40e}
    num-vfs: 1
    vfs: {id: 0}
)",
                         "site.yaml");
  REQUIRE_FALSE(p);
  CHECK(p.error().code == Errc::invalid_input);
  const auto& m = p.error().message;
  INFO(m);
  CHECK_THAT(m, Catch::StartsWith("the profile has 11 errors:\n"));
  for (const char* line : {
           "site.yaml:5:5: unknown key 'colour' in a nics entry",
           "site.yaml:8:18: vlan-id=5000: out of range (VLAN ID 0-4095)",
           "site.yaml:9:22: spoof-check: 'maybe' is not true or false",
           "site.yaml:10:13: id: VF 5 is past num-vfs 4 (VFs are 0-3)",
           "site.yaml:11:22: mac-address gives 3 VFs the same address; use mac-from for a range",
           "site.yaml:12:14: qos=8: out of range (802.1p priority 0-7)",
           "site.yaml:10:9: VF 3 is also configured by the entry at site.yaml:7:9",
           "site.yaml:13:5: nics entry needs pf (netdev name or PCI address) or match",
           "site.yaml:13:14: num-vfs: 'many' is not a decimal number in 0-65535",
           "site.yaml:15:12: give pf or match, not both",
           "site.yaml:17:10: vfs must be a list of entries",
       })
    CHECK_THAT(m, Catch::Contains(line));
  auto syntax = parse_profile("version: 1\nnics: [\n", "bad.yaml");
  REQUIRE_FALSE(syntax);
  CHECK_THAT(syntax.error().message, Catch::Contains("bad.yaml:3:1: YAML syntax"));
  auto version = parse_profile("version: 2\nnics: []\n", "v.yaml");
  REQUIRE_FALSE(version);
  CHECK_THAT(version.error().message, Catch::Contains("v.yaml:1:10: version 2 is not supported"));
}

TEST_CASE("gpus entries parse into plain data", "[profile][gpus]") {
  auto p = parse(R"(version: 1
gpus:
  - gpu: af:00.0
    type: GRID T4-1Q
    count: 4
    start: auto
    uuids: ["C0FFEE00-7A3E-4D2B-9A51-2F6F3C3D1E02", 0c0ffee0-7a3e-4d2b-9a51-2f6f3c3d1e03]
  - match: {vendor-id: "10de", device-id: "0x26b9"}
    framebuffer: 4GiB
    count: 0
  - {gpu: mbochs, framebuffer: 64M, count: 2, start: manual}
  - {gpu: "0000:ca:00.0", type: 1158, count: 1}
)");
  REQUIRE(p.gpus.size() == 4);
  const auto& t4 = p.gpus[0];
  CHECK(t4.pos.str() == "p.yaml:3:5");
  CHECK(t4.select.gpu == "af:00.0");
  CHECK(t4.type == "GRID T4-1Q");
  CHECK_FALSE(t4.framebuffer);
  CHECK(t4.count == 4);
  CHECK(t4.count_pos.str() == "p.yaml:5:12");
  CHECK(t4.autostart == true);
  REQUIRE(t4.uuids.size() == 2);
  CHECK(t4.uuids[0].uuid == "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02");  // canonical
  CHECK(t4.uuids[1].pos.str() == "p.yaml:7:53");
  const auto& l40s = p.gpus[1];
  CHECK(l40s.select.vendor_id == 0x10de);
  CHECK(l40s.select.str() == "match {vendor-id: 10de, device-id: 26b9}");
  CHECK(l40s.framebuffer == 4 * kGiB);
  CHECK(l40s.type_pos.str() == "p.yaml:9:18");
  CHECK(l40s.count == 0);
  CHECK_FALSE(l40s.autostart);  // transient
  CHECK(p.gpus[2].framebuffer == 64 * kMiB);
  CHECK(p.gpus[2].autostart == false);
  CHECK(p.gpus[3].type == "1158");
  CHECK(parse("version: 1\ngpus: []\n").gpus.empty());
}

TEST_CASE("gpus entries are as strict as nics entries", "[profile][gpus]") {
  auto p = parse_profile(R"(version: 1
gpus:
  - gpu: af:00.0
    type: GRID T4-1Q
    framebuffer: 1G
    count: 1
    colour: green
  - match: {vendor-id: "10de", driver: nvidia}
    count: 4097
  - gpu: mbochs
    match: {device-id: "1111"}
    framebuffer: 64
    count: -1
    start: boot
  - gpu: mbochs
    type: mbochs-small
    count: 1
    uuids: ["not-a-uuid", "6d1b2c3d-1111-4000-8000-000000000001", "6D1B2C3D-1111-4000-8000-000000000001"]
  - match: {}
    type: x
    count: 0
    uuids: ["6d1b2c3d-1111-4000-8000-000000000002"]
  - type: ""
    count: 2
    uuids: "6d1b2c3d-1111-4000-8000-000000000003"
)",
                         "gpus.yaml");
  REQUIRE_FALSE(p);
  CHECK(p.error().code == Errc::invalid_input);
  const auto& m = p.error().message;
  INFO(m);
  for (const char* line : {
           "gpus.yaml:5:18: give type or framebuffer, not both",
           "gpus.yaml:7:5: unknown key 'colour' in a gpus entry (allowed: count, framebuffer, "
           "gpu, match, publish, start, type, uuids)",
           "gpus.yaml:8:32: unknown key 'driver' in match (allowed: device-id, vendor-id)",
           "gpus.yaml:8:5: gpus entry needs type (a vGPU type id or name) or framebuffer (a size "
           "such as 4G)",
           "gpus.yaml:9:12: count: '4097' is not a decimal number in 0-4096",
           "gpus.yaml:11:12: give gpu or match, not both",
           "gpus.yaml:12:18: framebuffer: invalid size '64': no unit",
           "gpus.yaml:13:12: count: '-1' is not a decimal number in 0-4096",
           "gpus.yaml:14:12: start: 'boot' is not auto or manual",
           "gpus.yaml:18:13: uuids: invalid UUID 'not-a-uuid'",
           "gpus.yaml:18:67: uuids: 6d1b2c3d-1111-4000-8000-000000000001 is also given at "
           "gpus.yaml:18:27",
           "gpus.yaml:19:12: match needs vendor-id, device-id or both",
           "gpus.yaml:22:12: 1 uuids for count 0: at most one per instance",
           "gpus.yaml:23:5: gpus entry needs gpu (PCI address, or mdev parent name such as "
           "mbochs) or match",
           "gpus.yaml:23:11: type must not be empty",
           "gpus.yaml:25:12: uuids must be a list of UUIDs",
       })
    CHECK_THAT(m, Catch::Contains(line));
  CHECK_THAT(m, Catch::StartsWith("the profile has 16 errors:\n"));
  auto not_list = parse_profile("version: 1\ngpus: {gpu: mbochs}\n", "g.yaml");
  REQUIRE_FALSE(not_list);
  CHECK_THAT(not_list.error().message,
             Catch::Contains("g.yaml:2:7: gpus must be a list of entries"));
  auto missing = parse_profile("version: 1\ngpus:\n  - {gpu: mbochs, type: x}\n", "c.yaml");
  REQUIRE_FALSE(missing);
  CHECK_THAT(missing.error().message,
             Catch::Contains("c.yaml:3:5: gpus entry without count (instances per GPU; 0 for "
                             "none of this type)"));
}

TEST_CASE("a UUID given by two gpus entries, in one file or two, is an error", "[profile][gpus]") {
  test::ScratchHost host("gpu-t4");
  auto dir = host.path() / "profiles.d";
  fs::create_directories(dir);
  const std::string u = "6d1b2c3d-1111-4000-8000-000000000001";
  auto entry = [&](const std::string& gpu) {
    return "version: 1\ngpus:\n  - {gpu: " + gpu + ", type: x, count: 1, uuids: [" + u + "]}\n";
  };
  std::ofstream(dir / "10-a.yaml") << entry("mbochs");
  std::ofstream(dir / "20-b.yaml") << entry("af:00.0");
  auto p = load_profile(dir.string());
  REQUIRE_FALSE(p);
  CHECK_THAT(p.error().message, Catch::Contains((dir / "20-b.yaml").string() + ":3:47: uuids: " +
                                                u + " is also given by the entry with " +
                                                (dir / "10-a.yaml").string() + ":3:46"));
}

TEST_CASE("a directory of profiles is read in name order and merged", "[profile]") {
  test::ScratchHost host("x710");
  auto dir = host.path() / "profiles.d";
  fs::create_directories(dir);
  std::ofstream(dir / "20-b.yaml") << "version: 1\nnics:\n  - pf: ens1f1\n    num-vfs: 2\n";
  std::ofstream(dir / "10-a.yml") << "version: 1\nnics:\n  - pf: ens1f0\n    num-vfs: 64\n";
  std::ofstream(dir / "README") << "not a profile";
  auto p = load_profile(dir.string());
  REQUIRE(p);
  REQUIRE(p->nics.size() == 2);
  CHECK(p->nics[0].select.pf == "ens1f0");
  CHECK(p->files.size() == 2);
  auto missing = load_profile((dir / "nope.yaml").string());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == Errc::not_found);
}

TEST_CASE("a profile the host already matches plans nothing", "[profile]") {
  auto plan = plan_on("x710", R"(version: 1
nics:
  - pf: ens1f0
    num-vfs: 64
    drivers-autoprobe: true
    vfs: [{id: 0-7, driver: iavf}]
  - pf: 0000:3b:00.1
    num-vfs: 0
)");
  REQUIRE(plan);
  CHECK(plan->empty());
  CHECK(plan->notes == std::vector<std::string>{"0000:3b:00.0 (ens1f0): no change",
                                                "0000:3b:00.1 (ens1f1): no change"});
}

TEST_CASE("profile plans: count, autoprobe, settings, then drivers", "[profile]") {
  auto plan = plan_on("x710", R"(version: 1
nics:
  - pf: ens1f1
    num-vfs: 2
    drivers-autoprobe: false
    vfs:
      - {id: 0-1, vlan-id: 10, driver: vfio-pci}
)");
  REQUIRE(plan);
  CHECK(writes(*plan) ==
        std::vector<std::string>{
            "0 > /sys/bus/pci/devices/0000:3b:00.1/sriov_drivers_autoprobe",
            "2 > /sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs",
            "VF 0: vlan-id=10 > rtnetlink RTM_SETLINK ens1f1 (what differs when the VF exists)",
            "VF 1: vlan-id=10 > rtnetlink RTM_SETLINK ens1f1 (what differs when the VF exists)",
            "vfio-pci > /sys/bus/pci/devices/0000:3b:0a.0/driver_override",
            "0000:3b:0a.0 > /sys/bus/pci/drivers_probe",
            "vfio-pci > /sys/bus/pci/devices/0000:3b:0a.1/driver_override",
            "0000:3b:0a.1 > /sys/bus/pci/drivers_probe"});
}

TEST_CASE("disruptive profile steps need --allow-disruption, held VFs never go", "[profile]") {
  auto recount = plan_on("x710", "version: 1\nnics:\n  - {pf: ens1f0, num-vfs: 8}\n");
  REQUIRE_FALSE(recount);
  CHECK(recount.error().code == Errc::refused);
  CHECK_THAT(recount.error().message,
             Catch::Contains("0000:3b:00.0 (ens1f0): num-vfs 64 -> 8 destroys all 64 VFs"));
  auto allowed = plan_on("x710", "version: 1\nnics:\n  - {pf: ens1f0, num-vfs: 8}\n", true);
  REQUIRE(allowed);
  CHECK(disruption(allowed->steps[0]) == "destroys 64 VFs");

  auto rebind = plan_on("x710", "version: 1\nnics:\n  - pf: ens1f0\n    num-vfs: 64\n"
                                "    vfs: [{id: 7-8, driver: vfio-pci}]\n");
  REQUIRE_FALSE(rebind);
  CHECK_THAT(rebind.error().message,
             Catch::Contains("VF 7 would be rebound from iavf to vfio-pci"));
  CHECK_THAT(rebind.error().message, !Catch::Contains("VF 8"));  // unbound: not disruptive

  auto held = plan_on("cx6dx", "version: 1\nnics:\n  - {pf: ens3f0np0, num-vfs: 4}\n", true);
  REQUIRE_FALSE(held);
  CHECK_THAT(held.error().message, Catch::Contains("pid 4242 (qemu-system-x86)"));
}

TEST_CASE("host-dependent profile errors carry file:line:col", "[profile]") {
  auto bad = plan_on("x710", R"(version: 1
nics:
  - pf: ens1f1
    num-vfs: 65
  - match: {driver: i40e}
    num-vfs: 1
  - pf: ens9
    num-vfs: 1
  - match: {vendor-id: "15b3"}
    num-vfs: 1
  - pf: 3b:00.1
    num-vfs: 2
    vfs: [{id: 0, driver: nosuch}]
)");
  REQUIRE_FALSE(bad);
  const auto& m = bad.error().message;
  INFO(m);
  CHECK_THAT(m, Catch::Contains("p.yaml:4:14: num-vfs 65 is above the 64 VFs 0000:3b:00.1 "
                                "(ens1f1) supports"));
  CHECK_THAT(m, Catch::Contains("p.yaml:5:5: 0000:3b:00.1 (ens1f1) is also configured by the "
                                "entry at p.yaml:3:5"));
  CHECK_THAT(m, Catch::Contains("p.yaml:7:5: pf: no SR-IOV PF, netdev or PCI address matches "
                                "'ens9'"));
  CHECK_THAT(m, Catch::Contains("p.yaml:9:5: match {vendor-id: 15b3} matches no SR-IOV PF"));
  CHECK_THAT(m, Catch::Contains("p.yaml:11:5: 0000:3b:00.1 (ens1f1) is also configured"));
}

TEST_CASE("every example profile parses and plans on the fixture host it names", "[profile]") {
  size_t seen = 0, with_gpus = 0;
  for (const auto& entry : fs::directory_iterator(SRIOV_PROFILES_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    ++seen;
    INFO(entry.path());
    std::ifstream in(entry.path());
    std::string text(std::istreambuf_iterator<char>(in), {});
    std::smatch m;
    REQUIRE(std::regex_search(text, m, std::regex("fixture host ([a-z0-9-]+)")));
    auto profile = load_profile(entry.path().string());
    REQUIRE(profile);
    Sysfs sysfs(test::fixture(m[1]));
    auto inv = Inventory::scan(sysfs, false);
    REQUIRE(inv);
    // As sriovctl plans it: one snapshot, the nics and the gpus in one call.
    auto host = mdev::read_host_snapshot(sysfs, *inv, *profile, nullptr);
    REQUIRE(host);
    if (host->gpus) ++with_gpus;
    auto plan = mdev::plan_host_profile(
        *host, *profile,
        {true, [] { return Uuid::random().map([](const Uuid& u) { return u.str(); }); }});
    if (!plan) FAIL(plan.error().message);
    CHECK(!plan->empty());
  }
  CHECK(seen >= 4);
  CHECK(with_gpus >= 1);
}

TEST_CASE("the host lock names its holder and times out", "[profile]") {
  test::ScratchHost host("x710");
  Sysfs sysfs(host.path());
  auto first = HostLock::acquire(sysfs, std::chrono::milliseconds(100), "sriovctl apply -f a");
  REQUIRE(first);
  auto second = HostLock::acquire(sysfs, std::chrono::milliseconds(200), "sriovctl set x");
  REQUIRE_FALSE(second);
  CHECK(second.error().code == Errc::timeout);
  CHECK_THAT(second.error().message, Catch::Contains("'sriovctl apply -f a'"));
  CHECK_THAT(second.error().message, Catch::Contains("waited 0.2 s"));
}

TEST_CASE("the journal round-trips every step and recovery undoes the started ones",
          "[profile]") {
  test::ScratchHost host("x710");
  Sysfs sysfs(host.path());
  Plan plan;
  plan.summary = "test";
  plan.steps.push_back(SetAutoprobe{"pf", "/sys/pf", true, false});
  SetNumVfs n{"pf", "/sys/pf", 4, 0, 2, true, {}};
  n.prior.push_back({std::string("vfio-pci"), std::nullopt});
  plan.steps.push_back(n);
  plan.steps.push_back(BindDriver{"pf", 3, *PciAddress::parse("3b:02.3"), std::string("iavf"),
                                  std::nullopt, std::string("vfio-pci")});
  SetVfSettings v{"pf", "ens1f0", "i40e", {}, {}};
  VfChange c;
  c.index = 2;
  c.after.vlan = 10;
  c.after.spoofchk = true;
  c.fields = kFieldVlan | kFieldSpoofchk;
  v.changes.push_back(c);
  VfConfig cfg;
  cfg.mac_from = *MacAddress::parse("02:00:00:00:00:10");
  v.deferred.push_back({5, cfg, 3});
  plan.steps.push_back(v);
  plan.steps.push_back(mdev::CreateMdev{"mbochs", "mbochs-small", "/sys/x", "u-u-i-d"});
  plan.steps.push_back(mdev::WriteConfigFile{"/etc/f", std::nullopt, std::string("{}"), "def", "mbochs"});
  // What a step observes while it runs (here: the driver the VFs were on) reaches the journal
  // in the record appended when it completes.
  auto& numvfs = plan.steps[1].get<SetNumVfs>();
  auto observed = numvfs.prior;
  numvfs.prior.clear();
  auto journal = Journal::begin(sysfs, "sriovctl apply -f p", plan);
  REQUIRE(journal);
  REQUIRE(journal->step_done(0, plan));
  numvfs.prior = observed;
  REQUIRE(journal->step_done(1, plan));
  REQUIRE(journal->step_started(2, plan));
  {
    // A record torn by a crash inside write(2) is ignored: the step counts as not done, and
    // as started, so it is undone.
    std::ofstream(host.path() / "run/sriov/journal.json", std::ios::app)
        << R"({"done":3,"index":2,"step":{"type":"bi)";
  }
  auto found = Journal::find(sysfs, mdev::all_step_kinds());
  REQUIRE(found);
  REQUIRE(found->has_value());
  auto& run = **found;
  CHECK(run.command == "sriovctl apply -f p");
  CHECK(run.done == 2);
  REQUIRE(run.plan.steps.size() == plan.steps.size());
  for (size_t i = 0; i < plan.steps.size(); ++i)
    CHECK(describe(run.plan.steps[i]) == describe(plan.steps[i]));
  REQUIRE(run.plan.steps[1].get<SetNumVfs>().prior.size() == 1);
  CHECK(run.plan.steps[1].get<SetNumVfs>().prior[0].driver == "vfio-pci");
  CHECK(run.plan.steps[3].get<SetVfSettings>().changes[0].after.spoofchk == true);
  CHECK(run.plan.steps[3].get<SetVfSettings>().deferred[0].config.mac_from->str() ==
        "02:00:00:00:00:10");
  CHECK(run.plan.steps[5].get<mdev::WriteConfigFile>().group == "mbochs");

  struct Recorder : StepRunner {
    std::vector<std::string> undone;
    Status apply(Step&) override { return {}; }
    Status undo(const Step& s) override {
      undone.push_back(step_action(s));
      return {};
    }
  } runner;
  auto report = recover(sysfs, run, runner);
  CHECK(report.ok());
  // Steps 0-1 completed and step 2 may have been half-way: those three, in reverse.
  CHECK(runner.undone == std::vector<std::string>{"bind", "set-numvfs", "set-autoprobe"});
  CHECK_FALSE(Journal::find(sysfs, mdev::all_step_kinds())->has_value());
}

namespace {

struct UndoRecorder : StepRunner {
  std::vector<std::string> undone;
  Status apply(Step&) override { return {}; }
  Status undo(const Step& s) override {
    undone.push_back(step_target(s));
    return {};
  }
};

}  // namespace

TEST_CASE("a journal cut at any byte undoes exactly the steps that had started writing",
          "[profile][journal]") {
  // A step writes only after its "started" record is on disk, so a crash that leaves the file
  // cut anywhere must undo every step whose started record is whole, and no other.
  test::ScratchHost host("x710");
  Sysfs sysfs(host.path());
  Plan plan;
  for (const char* pf : {"pf0", "pf1", "pf2"})
    plan.steps.push_back(SetAutoprobe{pf, std::string("/sys/") + pf, true, false});
  auto journal = Journal::begin(sysfs, "sriovctl apply", plan);
  REQUIRE(journal);
  auto path = host.path() / "run/sriov/journal.json";
  auto size = [&] { return std::filesystem::file_size(path); };
  size_t header = size();
  // Where each started record ends: from there on, that step counts as started.
  std::vector<std::pair<size_t, std::string>> started_at;
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    REQUIRE(journal->step_started(i, plan));
    started_at.push_back({size(), step_target(plan.steps[i])});
    if (i + 1 < plan.steps.size()) REQUIRE(journal->step_done(i, plan));
  }
  std::string whole;
  {
    std::ifstream in(path);
    whole.assign(std::istreambuf_iterator<char>(in), {});
  }
  for (size_t cut = header; cut <= whole.size(); ++cut) {
    std::ofstream(path, std::ios::trunc) << whole.substr(0, cut);
    std::vector<std::string> expected;
    for (const auto& [end, target] : started_at)
      if (cut + 1 >= end) expected.insert(expected.begin(), target);  // newline may be cut
    auto found = Journal::find(sysfs, mdev::all_step_kinds());
    REQUIRE(found);
    REQUIRE(found->has_value());
    UndoRecorder runner;
    auto report = recover(sysfs, **found, runner);
    INFO("cut at byte " << cut << " of " << whole.size());
    CHECK(report.ok());
    CHECK(runner.undone == expected);
  }
}

TEST_CASE("a journal with fractions or negative numbers is refused, not converted",
          "[profile][journal]") {
  // tests/fuzz/crashes/journal-*: 4e242 into an int was undefined behaviour.
  test::ScratchHost host("x710");
  Sysfs sysfs(host.path());
  auto path = host.path() / "run/sriov/journal.json";
  std::filesystem::create_directories(path.parent_path());
  for (const char* bad : {R"({"version":3,"pid":4e242,"command":"c","started":"s","done":0,"steps":[]})",
                          R"({"version":3,"pid":1,"command":"c","started":"s","done":-1,"steps":[]})",
                          R"({"version":3,"pid":1,"command":"c","started":"s","done":0,"steps":[
{"type":"set-numvfs","pf":"p","pf_path":"/x","to":-1e300,"from":0,"vf_offset":1,"autoprobe":true,"prior":[]}]})"}) {
    std::ofstream(path, std::ios::trunc) << bad << "\n";
    auto found = Journal::find(sysfs, mdev::all_step_kinds());
    INFO(bad);
    REQUIRE_FALSE(found);
    CHECK_THAT(found.error().message, Catch::Contains("cannot be read"));
  }
}

TEST_CASE("a step that failed before writing is not undone by recover", "[profile][journal]") {
  // Its undo may fail (nothing to undo), and a journal kept for that would stop every writer.
  test::ScratchHost host("x710");
  Sysfs sysfs(host.path());
  Plan plan;
  for (const char* pf : {"pf0", "pf1"})
    plan.steps.push_back(SetAutoprobe{pf, std::string("/sys/") + pf, true, false});
  auto journal = Journal::begin(sysfs, "sriovctl apply", plan);
  REQUIRE(journal);
  REQUIRE(journal->step_started(0, plan));
  REQUIRE(journal->step_done(0, plan));
  auto found = Journal::find(sysfs, mdev::all_step_kinds());
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK_FALSE((*found)->next_started);
  UndoRecorder runner;
  CHECK(recover(sysfs, **found, runner).ok());
  CHECK(runner.undone == std::vector<std::string>{"pf0"});
}

TEST_CASE("a journal or lock that is not a regular file stops writers with one clear error",
          "[profile][journal]") {
  test::ScratchHost host("x710");
  Sysfs sysfs(host.path());
  auto journal = host.path() / "run/sriov/journal.json";
  std::filesystem::create_directories(journal);  // a directory where the journal belongs
  auto found = Journal::find(sysfs, mdev::all_step_kinds());
  REQUIRE_FALSE(found);
  CHECK_THAT(found.error().message, Catch::Contains("journal cannot be read") &&
                                        Catch::Contains("a directory"));
  std::filesystem::remove(journal);
  REQUIRE(::mkfifo(journal.c_str(), 0600) == 0);  // a FIFO: reading it must not hang
  found = Journal::find(sysfs, mdev::all_step_kinds());
  REQUIRE_FALSE(found);
  CHECK_THAT(found.error().message, Catch::Contains("a FIFO"));
  std::filesystem::remove(journal);
  auto lock = host.path() / "run/sriov/lock";
  REQUIRE(::mkfifo(lock.c_str(), 0600) == 0);
  auto held = HostLock::acquire(sysfs, std::chrono::milliseconds(100), "test");
  REQUIRE_FALSE(held);
  CHECK_THAT(held.error().message, Catch::Contains("a FIFO"));
}

TEST_CASE("the nics planner is a pure function of a snapshot built in memory", "[profile]") {
  // One PF with 4 VFs on iavf, VF settings as the kernel reported them; no tree, no kernel.
  NicSnapshot host;
  PhysicalFunction pf;
  pf.id = "0000:3b:00.0";
  pf.address = PciAddress::parse(pf.id).value();
  pf.device_path = "/sys/devices/pci0000:3a/0000:3a:00.0/0000:3b:00.0";
  pf.driver = "i40e";
  pf.netdevs = {"ens1f0"};
  pf.total_vfs = 64;
  pf.num_vfs = 4;
  pf.vf_offset = 16;
  pf.vf_stride = 1;
  HostView view;
  view.pf = pf;
  VfDump dump;
  dump.num_vf = 4;
  for (unsigned i = 0; i < 4; ++i) {
    VirtualFunction vf;
    vf.index = i;
    vf.address = pf.vf_address(i);
    vf.driver = "iavf";
    view.vfs.push_back(vf);
    dump.vfs.push_back({i, VfSettings{}});
  }
  host.pfs = {pf};
  host.named.emplace("ens1f0", pf);
  host.pci_drivers = {"i40e", "iavf", "vfio-pci"};
  view.pci_drivers = host.pci_drivers;
  host.views.emplace(pf.id, view);
  host.settings.emplace(pf.id, dump);

  auto profile = parse("version: 1\nnics:\n  - pf: ens1f0\n    num-vfs: 4\n    vfs:\n"
                       "      - {id: 0-1, vlan-id: 10}\n      - {id: 2-3, driver: vfio-pci}\n");
  auto plan = plan_profile(host, profile.nics, profile.files, {true});
  REQUIRE(plan);
  std::vector<std::string> actions;
  for (const auto& s : plan->steps) actions.push_back(s.action() + " " + s.target());
  CHECK(actions == std::vector<std::string>{"set-vf 0000:3b:00.0 (ens1f0)", "bind 0000:3b:02.2",
                                            "bind 0000:3b:02.3"});
  CHECK(plan->steps[0].get<SetVfSettings>().changes.size() == 2);  // compared with the dump

  // VF 3 held by a VM through its iommufd cdev: refused, the holder named.
  host.views.at(pf.id).vfs[3].vfio = {true, {"/dev/vfio/devices/vfio3"}};
  host.views.at(pf.id).holders = {{77, "qemu-system-x86", "/dev/vfio/devices/vfio3"}};
  auto held = plan_profile(host, profile.nics, profile.files, {true});
  REQUIRE_FALSE(held);
  CHECK_THAT(held.error().message,
             Catch::Contains("VF 3 would move off iavf, but pid 77 (qemu-system-x86) holds "
                             "/dev/vfio/devices/vfio3"));
}

TEST_CASE("a repeated key, a second document and a bad id are each reported, never dropped",
          "[profile]") {
  auto p = mdev::parse_profile(R"(version: 1
nics:
  - pf: ens1f0
    num-vfs: 4
    num-vfs: 8
    vfs:
      - id: 07
        vlan-id: 5000
---
version: 1
)", "dup.yaml");
  REQUIRE_FALSE(p);
  const auto& m = p.error().message;
  CHECK_THAT(m, Catch::Contains("dup.yaml:5:5: key 'num-vfs' is given twice in a nics entry "
                                "(also at dup.yaml:4:5)"));
  CHECK_THAT(m, Catch::Contains("dup.yaml:9:1: a second YAML document"));
  // The bad id (a leading zero) does not hide the entry's other problem.
  CHECK_THAT(m, Catch::Contains("dup.yaml:7:13: id: invalid VF range '07'"));
  CHECK_THAT(m, Catch::Contains("vlan-id=5000: out of range"));
  // A leading "---" and a trailing "..." are one document.
  CHECK(mdev::parse_profile("---\nversion: 1\nnics: []\n...\n", "one.yaml"));
}

TEST_CASE("a profile that once made yaml-cpp's LoadAll loop forever is read at once",
          "[profile]") {
  std::ifstream in(std::string(SRIOV_GOLDEN_DIR) + "/../fuzz/crashes/profile-loadall-hang.bin");
  REQUIRE(in);
  std::string text(std::istreambuf_iterator<char>(in), {});
  CHECK_FALSE(mdev::parse_profile(text, "hang.yaml"));  // an error, and it returns
}
