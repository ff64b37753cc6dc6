#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "sriov/planner.hpp"

using namespace sriov;

namespace {

HostView view(const Sysfs& sysfs, const std::string& pf_spec) {
  auto inv = Inventory::scan(sysfs);
  if (!inv) FAIL(inv.error().message);
  auto pf = inv->find_pf(pf_spec);
  if (!pf) FAIL(pf.error().message);
  auto host = read_host_view(sysfs, *pf);
  if (!host) FAIL(host.error().message);
  return *host;
}

std::vector<std::string> writes(const Plan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps)
    for (const auto& w : planned_writes(step)) out.push_back(w.value + " > " + w.path);
  return out;
}

}  // namespace

TEST_CASE("create on a PF without VFs: autoprobe, count, binds in order", "[planner]") {
  Sysfs sysfs(test::fixture("x710"));
  auto host = view(sysfs, "ens1f1");
  auto plan = plan_create(host, {.count = 2, .no_autoprobe = true, .driver = "vfio-pci"});
  REQUIRE(plan);
  CHECK(writes(*plan) == std::vector<std::string>{
                             "0 > /sys/bus/pci/devices/0000:3b:00.1/sriov_drivers_autoprobe",
                             "2 > /sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs",
                             "vfio-pci > /sys/bus/pci/devices/0000:3b:0a.0/driver_override",
                             "0000:3b:0a.0 > /sys/bus/pci/drivers_probe",
                             "vfio-pci > /sys/bus/pci/devices/0000:3b:0a.1/driver_override",
                             "0000:3b:0a.1 > /sys/bus/pci/drivers_probe",
                         });
  CHECK(plan->notes.empty());
}

TEST_CASE("create with the same count changes nothing", "[planner]") {
  Sysfs sysfs(test::fixture("x710"));
  auto plan = plan_create(view(sysfs, "ens1f0"), {.count = 64});
  REQUIRE(plan);
  CHECK(plan->empty());
  CHECK(plan->notes == std::vector<std::string>{"0000:3b:00.0 (ens1f0) already has 64 VFs"});
}

TEST_CASE("nonzero to nonzero is refused without --force, goes through 0 with it", "[planner]") {
  Sysfs sysfs(test::fixture("x710"));
  auto host = view(sysfs, "ens1f0");
  auto refused = plan_create(host, {.count = 8});
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);
  CHECK(refused.error().message ==
        "refusing to change the VF count of 0000:3b:00.0 (ens1f0) from 64 to 8: the kernel "
        "changes it only through 0, which destroys all 64 VFs; run 'sriovctl destroy' first or "
        "pass --force");
  auto forced = plan_create(host, {.count = 8, .force = true});
  REQUIRE(forced);
  CHECK(writes(*forced) == std::vector<std::string>{
                               "0 > /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs",
                               "8 > /sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs"});
  CHECK(disruption(forced->steps[0]) == "destroys 64 VFs");
}

TEST_CASE("VFs on vfio-pci held open by a process: refused even with --force", "[planner]") {
  Sysfs sysfs(test::fixture("cx6dx"));
  auto host = view(sysfs, "ens3f0np0");
  REQUIRE(host.holders.size() == 1);
  for (bool force : {false, true}) {
    auto create = plan_create(host, {.count = 4, .force = force});
    REQUIRE_FALSE(create);
    CHECK(create.error().code == Errc::refused);
    CHECK_THAT(create.error().message,
               Catch::Contains("pid 4242 (qemu-system-x86) holds /dev/vfio/"));
    auto destroy = plan_destroy(host, force);
    REQUIRE_FALSE(destroy);
    CHECK_THAT(destroy.error().message, Catch::Contains("pid 4242 (qemu-system-x86)"));
  }
}

TEST_CASE("destroying VFs on vfio-pci needs --force, the plan says what it destroys",
          "[planner]") {
  Sysfs sysfs(test::fixture("e810"));  // VFs 4-5 of ens2f0np0 on vfio-pci, not held
  auto host = view(sysfs, "ens2f0np0");
  REQUIRE(host.holders.empty());
  auto refused = plan_destroy(host, false);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message,
             Catch::Contains("2 of them are bound to vfio-pci (0000:86:01.4, 0000:86:01.5)"));
  auto forced = plan_destroy(host, true);
  REQUIRE(forced);
  REQUIRE(forced->steps.size() == 1);
  CHECK(disruption(forced->steps[0]) == "destroys 8 VFs (2 bound to vfio-pci)");
}

TEST_CASE("create refusals: above totalvfs, unknown driver, --driver on netdevsim",
          "[planner]") {
  Sysfs x710(test::fixture("x710"));
  auto range = plan_create(view(x710, "ens1f1"), {.count = 65});
  REQUIRE_FALSE(range);
  CHECK(range.error().code == Errc::invalid_input);
  CHECK_THAT(range.error().message, Catch::Contains("it supports at most 64 (sriov_totalvfs; the "
                                                    "kernel would answer ERANGE)"));
  auto driver = plan_create(view(x710, "ens1f1"), {.count = 2, .driver = "no-such-drv"});
  REQUIRE_FALSE(driver);
  CHECK(driver.error().code == Errc::not_found);
  CHECK_THAT(driver.error().message, Catch::Contains("modprobe no-such-drv"));

  Sysfs nsim(test::fixture("netdevsim"));
  auto host = view(nsim, "eni1np1");
  auto pci_only = plan_create(host, {.count = 2, .driver = "vfio-pci", .force = true});
  REQUIRE_FALSE(pci_only);
  CHECK_THAT(pci_only.error().message, Catch::Contains("not PCI functions"));
  auto any = plan_create(host, {.count = 1024, .force = true});  // no total limit known
  REQUIRE(any);
  CHECK(writes(*any).back() == "1024 > /sys/devices/netdevsim1/sriov_numvfs");
}

TEST_CASE("bind plans: rebinds from the current driver, skips what is already there",
          "[planner]") {
  Sysfs sysfs(test::fixture("x710"));
  auto inv = *Inventory::scan(sysfs);
  auto targets = *resolve_vfs(sysfs, inv, *parse_vf_spec("ens1f0#7-8"));
  auto plan = plan_bind(targets, std::string("vfio-pci"), list_pci_drivers(sysfs), {});
  REQUIRE(plan);
  CHECK(writes(*plan) == std::vector<std::string>{
                             "vfio-pci > /sys/bus/pci/devices/0000:3b:02.7/driver_override",
                             "0000:3b:02.7 > /sys/bus/pci/drivers/iavf/unbind",
                             "0000:3b:02.7 > /sys/bus/pci/drivers_probe",
                             "vfio-pci > /sys/bus/pci/devices/0000:3b:03.0/driver_override",
                             "0000:3b:03.0 > /sys/bus/pci/drivers_probe"});
  CHECK(disruption(plan->steps[0]) == "rebinds VF 7 from iavf");

  auto unbind = plan_bind(targets, std::nullopt, list_pci_drivers(sysfs), {});
  REQUIRE(unbind);
  REQUIRE(unbind->steps.size() == 1);  // VF 8 has no driver already
  CHECK(unbind->notes.size() == 1);
  CHECK(writes(*unbind) ==
        std::vector<std::string>{"\n > /sys/bus/pci/devices/0000:3b:02.7/driver_override",
                                 "0000:3b:02.7 > /sys/bus/pci/drivers/iavf/unbind"});
}

TEST_CASE("moving a VF off vfio-pci while its group is open is refused", "[planner]") {
  Sysfs sysfs(test::fixture("cx6dx"));
  auto inv = *Inventory::scan(sysfs);
  auto targets = *resolve_vfs(sysfs, inv, *parse_vf_spec("ens3f0np0#2"));
  auto host = view(sysfs, "ens3f0np0");
  auto plan = plan_bind(targets, std::nullopt, list_pci_drivers(sysfs), host.holders);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == Errc::refused);
  CHECK_THAT(plan.error().message, Catch::Contains("pid 4242 (qemu-system-x86)"));
  auto other = *resolve_vfs(sysfs, inv, *parse_vf_spec("ens3f0np0#3"));
  CHECK(plan_bind(other, std::nullopt, list_pci_drivers(sysfs), host.holders));
}

TEST_CASE("binding to vfio-pci notes IOMMU groups shared with other devices", "[planner]") {
  Sysfs sysfs(test::fixture("igpu-gvtg"));
  // The chipset functions share a group: no VF there, but the note logic is per VF, so use a
  // synthetic target with peers.
  VfTarget t;
  t.pf.id = "0000:00:1f.6";
  t.vf.index = 0;
  t.vf.address = *PciAddress::parse("0000:00:1f.6");
  t.vf.iommu_group = 3;
  t.vf.iommu_group_peers = {"0000:00:1f.0", "0000:00:1f.4"};
  auto plan = plan_bind({t}, std::string("vfio-pci"), list_pci_drivers(sysfs), {});
  REQUIRE(plan);
  REQUIRE(plan->notes.size() == 1);
  CHECK_THAT(plan->notes[0],
             Catch::Contains("shares IOMMU group 3 with 0000:00:1f.0, 0000:00:1f.4"));
}

TEST_CASE("create with the same count and --driver checks holders before planning", "[planner]") {
  Sysfs sysfs(test::fixture("cx6dx"));
  auto host = view(sysfs, "ens3f0np0");
  auto plan = plan_create(host, {.count = 8, .driver = "mlx5_core"});
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == Errc::refused);
  CHECK_THAT(plan.error().message, Catch::Contains("VF 2 (0000:5e:00.4)"));
  CHECK_THAT(plan.error().message, Catch::Contains("pid 4242 (qemu-system-x86)"));
}

TEST_CASE("no-autoprobe changes autoprobe only when VFs are created", "[planner]") {
  Sysfs sysfs(test::fixture("x710"));
  auto same = plan_create(view(sysfs, "ens1f0"), {.count = 64, .no_autoprobe = true});
  REQUIRE(same);
  CHECK(same->empty());
}
