// sriovctl set, show with VF settings, plan and apply in-process on the netdevsim fixture,
// with the rtnetlink side played by a fake link backend injected through the front end:
// output compared with golden files, the fake's state and request counts checked.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "fake_link.hpp"
#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

// Lends a test's FakeLink to one command (the front end owns the backend it is given).
class Lent : public sriov::LinkBackend {
 public:
  explicit Lent(test::FakeLink& link) : link_(link) {}
  sriov::Result<sriov::VfDump> read(const std::string& ifname) override { return link_.read(ifname); }
  sriov::Status send(const std::string& ifname, const std::vector<sriov::VfChange>& c) override {
    return link_.send(ifname, c);
  }
  sriov::LinkCounters counters() const override { return link_.counters(); }
  void count_retry() override { link_.count_retry(); }

 private:
  test::FakeLink& link_;
};

struct Run {
  int status;
  std::string out, err;
};

struct Netdevsim {
  test::ScratchHost host{"netdevsim"};
  test::FakeLink link{4};

  Run sriovctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"sriovctl", "--sysfs-root", host.path().string()});
    std::vector<const char*> argv;
    for (auto& a : args) argv.push_back(a.c_str());
    std::ostringstream out, err;
    tools::Injected injected;
    injected.make_link = [this] { return std::make_unique<Lent>(link); };
    int status = sriovctl::run(static_cast<int>(argv.size()), argv.data(), out, err, injected);
    return {status, out.str(), err.str()};
  }
};

// The scratch tree's path (in the profile's name) reads as <root>.
void check_golden(const Netdevsim& n, const std::string& name, std::string actual) {
  const std::string root = n.host.path().string();
  for (size_t at; (at = actual.find(root)) != std::string::npos;) actual.replace(at, root.size(), "<root>");
  test::check_golden_file(fs::path(SRIOV_GOLDEN_DIR) / "netdevsim" / name, actual);
}

}  // namespace

TEST_CASE("set sends only what differs, verifies it, and a repeat sends nothing", "[cli][set]") {
  Netdevsim n;
  auto dry = n.sriovctl({"set", "eni1np1#0-3", "vlan=100", "qos=3", "spoofchk=on", "--dry-run"});
  CHECK(dry.status == 0);
  check_golden(n, "set-dry-run.txt", dry.out);
  CHECK(n.link.counters().set_requests == 0);

  auto set = n.sriovctl({"set", "eni1np1#0-3", "vlan=100", "qos=3", "spoofchk=on"});
  CHECK(set.status == 0);
  CHECK(set.err.empty());
  check_golden(n, "set.txt", set.out);
  for (const auto& vf : n.link.state()) {
    CHECK(vf.settings.vlan == 100);
    CHECK(vf.settings.qos == 3);
    CHECK(vf.settings.spoofchk == true);
  }
  CHECK(n.link.counters().set_requests == 1);  // four VFs, one RTM_SETLINK

  auto again = n.sriovctl({"--json", "set", "eni1np1#0-3", "vlan=100", "qos=3", "spoofchk=on"});
  CHECK(again.status == 0);
  auto j = nlohmann::json::parse(again.out);
  CHECK(j["changed"] == false);
  CHECK(j["steps"].empty());
  CHECK(j["netlink"]["set_requests"] == 1);  // the first command's; this one sent nothing
  CHECK(n.link.counters().set_requests == 1);
  check_golden(n, "set-repeat.json", again.out);
}

TEST_CASE("a refused VF setting is undone and reported with the VF and field", "[cli][set]") {
  Netdevsim n;
  n.link.refuse_vf = 2;
  n.link.refuse_errno = EOPNOTSUPP;
  auto r = n.sriovctl({"set", "eni1np1#0-3", "trust=on"});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::StartsWith("sriovctl: error: step 1 of 1 failed (set trust of VFs 0-3 "
                                      "of netdevsim1 (eni1np1))"));
  for (const auto& vf : n.link.state()) CHECK(vf.settings.trust == false);  // restored
}

TEST_CASE("show prints each VF's settings read over the link backend", "[cli][show]") {
  Netdevsim n;
  REQUIRE(n.sriovctl({"set", "eni1np1#1", "mac=02:00:00:00:00:11", "vlan=7"}).status == 0);
  auto text = n.sriovctl({"show", "eni1np1"});
  CHECK(text.status == 0);
  check_golden(n, "show-eni1np1-settings.txt", text.out);
  auto json = n.sriovctl({"--json", "show", "eni1np1"});
  CHECK(json.status == 0);
  check_golden(n, "show-eni1np1-settings.json", json.out);
}

TEST_CASE("plan and apply a profile's VF settings, a second apply changes nothing",
          "[cli][profile]") {
  Netdevsim n;
  auto file = n.host.path() / "vlans.yaml";
  std::ofstream(file) << "version: 1\nnics:\n  - pf: eni1np1\n    num-vfs: 4\n    vfs:\n"
                         "      - {id: 0-1, vlan-id: 10, trust: true}\n"
                         "      - {id: 2-3, vlan-id: 20, mac-from: 02:00:00:00:20:00}\n";
  auto plan = n.sriovctl({"plan", "-f", file.string()});
  CHECK(plan.status == 0);
  check_golden(n, "plan-vlans.txt", plan.out);
  CHECK(n.link.counters().set_requests == 0);

  auto apply = n.sriovctl({"apply", "-f", file.string()});
  CHECK(apply.status == 0);
  check_golden(n, "apply-vlans.txt", apply.out);
  CHECK(n.link.state()[1].settings.vlan == 10);
  CHECK(n.link.state()[1].settings.trust == true);
  CHECK(n.link.state()[3].settings.vlan == 20);
  CHECK(n.link.state()[3].settings.mac.str() == "02:00:00:00:20:01");

  auto again = n.sriovctl({"apply", "-f", file.string()});
  CHECK(again.status == 0);
  CHECK_THAT(again.out, Catch::Contains("no changes"));
  CHECK(n.link.counters().set_requests == 1);
}

TEST_CASE("show --profile exports the VF settings and plans as a no-op", "[cli][export]") {
  // VFs 0-1 consecutive MACs and one VLAN (one entry, mac-from), VF 2 another VLAN and a
  // MAC out of sequence (its own entry, mac-address), VF 3 no MAC (no mac key).
  Netdevsim n;
  REQUIRE(n.sriovctl({"set", "eni1np1#0-1", "mac-from=02:00:00:00:00:10", "vlan=100", "qos=2",
                      "trust=on"}).status == 0);
  REQUIRE(n.sriovctl({"set", "eni1np1#2", "mac=02:00:00:00:00:99", "vlan=200", "max-rate=500",
                      "link-state=disable"}).status == 0);
  auto yaml = n.sriovctl({"show", "--profile"});
  CHECK(yaml.status == 0);
  CHECK(yaml.err.empty());
  check_golden(n, "show-profile.yaml", yaml.out);
  auto file = n.host.path() / "exported.yaml";
  std::ofstream(file) << yaml.out;
  auto before = n.link.counters().set_requests;
  auto plan = n.sriovctl({"plan", "--detailed-exitcode", "-f", file.string()});
  CHECK(plan.status == 0);
  CHECK_THAT(plan.out, Catch::Contains("no changes"));
  CHECK(n.sriovctl({"apply", "-f", file.string()}).status == 0);
  CHECK(n.link.counters().set_requests == before);  // nothing sent

  // A VF changed afterwards: the export, applied, puts it back.
  REQUIRE(n.sriovctl({"set", "eni1np1#1", "vlan=999", "trust=off"}).status == 0);
  CHECK(n.sriovctl({"plan", "--detailed-exitcode", "-f", file.string()}).status == 7);
  CHECK(n.sriovctl({"apply", "-f", file.string()}).status == 0);
  CHECK(n.link.state()[1].settings.vlan == 100);
  CHECK(n.link.state()[1].settings.trust == true);

  auto json = n.sriovctl({"--json", "show", "--profile", "eni1np1"});
  CHECK(json.status == 0);
  auto doc = nlohmann::json::parse(json.out);
  CHECK(doc["nics"][0]["vfs"][0]["mac-from"] == "02:00:00:00:00:10");
  CHECK(doc["nics"][0]["vfs"][1]["mac-address"] == "02:00:00:00:00:99");
}
