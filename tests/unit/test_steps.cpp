// Every step kind, run by the kernel runner and by the dry run's recording runner: the real
// run performs exactly the writes the step declares (what --dry-run prints), and every
// refusal the real run makes, the dry run makes too, word for word.
#include <set>

#include <catch2/catch.hpp>

#include "fake_link.hpp"
#include "helpers.hpp"
#include "mdev/step_kinds.hpp"
#include "sriov/executor.hpp"
#include "sriov/journal.hpp"
#include "tools/writing.hpp"

using namespace sriov;

namespace {

// The kernel runner on a scratch fixture tree, recording each write it performs (and making
// it: a fixture's attributes are plain files). A tree does not react to writes, so waits for
// the kernel's reaction (VFs appearing, a driver binding) succeed at once.
class TracingKernel : public KernelRunner {
 public:
  TracingKernel(const Sysfs& sysfs, LinkBackend* link) : KernelRunner(sysfs, {}, link) {}
  std::vector<Write> performed;
  Status write(const std::string& path, const std::string& value) override {
    performed.push_back({path, value});
    return KernelRunner::write(path, value);
  }
  Status write_file(const std::string& path, const std::optional<std::string>& content) override {
    performed.push_back({path, content.value_or("(remove the file)")});
    return KernelRunner::write_file(path, content);
  }
  bool settle(const std::function<bool()>&) override { return true; }
};

// What an rtnetlink send carries, as SetVfSettings declares it.
class TracingLink : public test::FakeLink {
 public:
  using FakeLink::FakeLink;
  std::vector<std::vector<unsigned>> messages;  // VF indexes per RTM_SETLINK
  Status send(const std::string& ifname, const std::vector<VfChange>& changes) override {
    messages.emplace_back();
    for (const auto& c : changes) messages.back().push_back(c.index);
    return FakeLink::send(ifname, changes);
  }
};

struct Case {
  const char* host;
  Step step;
};

std::vector<Case> every_kind() {
  const std::string x710 = "/sys/bus/pci/devices/0000:3b:00.0";
  const std::string t4 = "/sys/devices/pci0000:ae/0000:ae:00.0/0000:af:00.0/mdev_supported_types";
  VfConfig vlan;
  vlan.vlan = 100;
  SetVfSettings settings{"netdevsim1 (eni1np1)", "eni1np1", "netdevsim", {}, {}};
  for (unsigned i = 0; i < 3; ++i) settings.deferred.push_back({i, vlan, 0});
  return {
      {"x710", SetAutoprobe{"ens1f1", "/sys/bus/pci/devices/0000:3b:00.1", true, false}},
      {"x710", SetNumVfs{"ens1f1", "/sys/bus/pci/devices/0000:3b:00.1", 0, 4, 0, true, {}}},
      {"x710", SetNumVfs{"ens1f0", x710, 64, 0, 0, true, {}}},
      {"x710", BindDriver{"ens1f0", 0, *PciAddress::parse("0000:3b:02.0"), "iavf", std::nullopt,
                          "vfio-pci"}},
      {"x710", BindDriver{"ens1f0", 8, *PciAddress::parse("0000:3b:03.0"), std::nullopt,
                          std::nullopt, "vfio-pci"}},
      {"netdevsim", settings},
      {"gpu-t4", mdev::CreateMdev{"0000:af:00.0", "nvidia-230", t4 + "/nvidia-230",
                                  "11111111-2222-4333-8444-555555555555"}},
      {"gpu-t4", mdev::RemoveMdev{"0000:af:00.0", "nvidia-230", t4 + "/nvidia-230",
                                  "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01"}},
      {"gpu-l40s", mdev::SetVgpuType{"0000:ca:00.4",
                                     "/sys/devices/pci0000:c9/0000:c9:00.0/0000:ca:00.4", 0, 1155,
                                     "NVIDIA L40S-4Q"}},
      {"gpu-t4", mdev::WriteConfigFile{"/etc/mdevctl.d/0000:af:00.0/u", std::nullopt,
                                       std::string("{}\n"), "mdevctl definition of u", ""}},
  };
}

}  // namespace

TEST_CASE("every step kind performs exactly the writes it declares, as the dry run records",
          "[steps]") {
  std::set<std::string> kinds;
  for (auto& c : every_kind()) {
    INFO(c.host << ": " << c.step.describe());
    test::ScratchHost host(c.host);
    Sysfs sysfs(host.path());
    kinds.insert(std::string(c.step.type()));

    Plan dry{"", {c.step}, {}};
    RecordingRunner recorder(sysfs);
    auto planned = execute(dry, recorder);
    REQUIRE(planned.ok());
    REQUIRE(recorder.recorded().size() == 1);

    TracingLink link(4);
    TracingKernel kernel(sysfs, &link);
    Step real = c.step;
    REQUIRE(kernel.apply(real));
    if (auto* v = real.get_if<SetVfSettings>()) {
      // Deferred VFs became changes when the step ran; what it declares now is what it sent.
      REQUIRE(v->changes.size() == 3);
      std::vector<std::vector<unsigned>> declared;  // "VF 2: ..." under each message
      std::string message;
      for (const auto& w : real.writes()) {
        if (w.path != message) declared.emplace_back();
        message = w.path;
        declared.back().push_back(static_cast<unsigned>(std::stoul(w.value.substr(3))));
      }
      CHECK(link.messages == declared);
      CHECK(kernel.performed.empty());
      continue;
    }
    CHECK(kernel.performed == real.writes());
    CHECK(kernel.performed == recorder.recorded()[0]);
  }
  // Every kind of both libraries' lists is covered here.
  std::set<std::string> listed;
  for (const auto& k : mdev::all_step_kinds()) listed.insert(std::string(k.type));
  CHECK(kinds == listed);
}

// The journal writes a step's "started" record at its first write; a kill after that write
// leaves only that record for recover to undo from. So every kind must have observed all its
// undo data by then: the record at the hook must be the record after the step completed.
// (SetVfSettings read the VFs' settings after its first use of rtnetlink, which counted as a
// write: the soak found a killed apply whose recover left the new VLAN on the VFs.)
TEST_CASE("every step kind has its undo data when the journal records its start", "[steps]") {
  for (auto& c : every_kind()) {
    INFO(c.host << ": " << c.step.describe());
    test::ScratchHost host(c.host);
    Sysfs sysfs(host.path());
    TracingLink link(4);
    TracingKernel kernel(sysfs, &link);
    Step real = c.step;
    std::string at_start;
    int hooks = 0;
    kernel.before_first_write([&]() -> Status {
      ++hooks;
      real.encode(at_start);
      return {};
    });
    REQUIRE(kernel.apply(real));
    std::string at_end;
    real.encode(at_end);
    CHECK(hooks == 1);
    CHECK(at_start == at_end);
  }
}

TEST_CASE("every step kind comes back from its journal record as it went in", "[steps]") {
  for (auto& c : every_kind()) {
    std::string record;
    c.step.encode(record);
    INFO(record);
    auto back = decode_step(mdev::all_step_kinds(), nlohmann::json::parse(record));
    REQUIRE(back);
    std::string again;
    back->encode(again);
    CHECK(again == record);
    CHECK(back->describe() == c.step.describe());
  }
}

TEST_CASE("the dry run refuses what the real run refuses, with the same error", "[steps]") {
  // vfio-variants: pid 5200 holds X710 VF 0 and mdev ...1e01 through their cdevs, pid 5100
  // holds ConnectX VF 1 through its group.
  const std::string uuid = "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01";
  std::vector<Step> held = {
      SetNumVfs{"ens1f0", "/sys/bus/pci/devices/0000:3b:00.0", 4, 0, 2, true, {}},
      BindDriver{"ens1f0", 0, *PciAddress::parse("0000:3b:02.0"), "vfio-pci", "vfio-pci",
                 std::nullopt},
      BindDriver{"0000:5e:00.0", 1, *PciAddress::parse("0000:5e:00.3"), "mlx5_vfio_pci",
                 "mlx5_vfio_pci", "mlx5_core"},
      mdev::RemoveMdev{"0000:af:00.0", "nvidia-230",
                       "/sys/devices/pci0000:ae/0000:ae:00.0/0000:af:00.0/"
                       "mdev_supported_types/nvidia-230",
                       uuid},
  };
  for (const auto& step : held) {
    INFO(step.describe());
    test::ScratchHost host("vfio-variants");
    Sysfs sysfs(host.path());
    // A step before it, so that the refusal also undoes something.
    Plan dry{"", {SetAutoprobe{"ens1f0", "/sys/bus/pci/devices/0000:3b:00.0", true, false}, step},
             {}};
    Plan real = dry;
    RecordingRunner recorder(sysfs);
    auto dry_report = execute(dry, recorder);
    KernelRunner kernel(sysfs, {});
    auto real_report = execute(real, kernel);
    REQUIRE(dry_report.error);
    REQUIRE(real_report.error);
    CHECK(dry_report.error->code == Errc::refused);
    CHECK(real_report.error->code == Errc::refused);
    CHECK(dry_report.error->message == real_report.error->message);
    CHECK_THAT(real_report.error->message, Catch::Contains("holds /dev/vfio/"));
    CHECK_THAT(real_report.error->message,
               Catch::EndsWith("Undone: set sriov_drivers_autoprobe of ens1f0: 1 -> 0."));
    CHECK(*sysfs.read("/sys/bus/pci/devices/0000:3b:00.0/sriov_drivers_autoprobe") == "1");
  }
}
