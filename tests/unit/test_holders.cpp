// The one "in use by a VM" rule (holders.hpp) on the vfio-variants fixture host: a VFIO
// variant driver held through its group file, vfio-pci held through its iommufd cdev only,
// and, in every path that would destroy, unbind or re-create such a VF, a refusal that names
// the holder (planners, the CLI, profiles and the executor's last-moment check alike).
#include <sstream>

#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "cli.hpp"
#include "helpers.hpp"
#include "sriov/executor.hpp"
#include "sriov/holders.hpp"
#include "sriov/inventory.hpp"
#include "sriov/planner.hpp"
#include "mdev/profile_file.hpp"

using namespace sriov;
using mdev::load_profile;
using mdev::parse_profile;
using mdev::Profile;

namespace {

// vfio-variants: ConnectX VF 1 (0000:5e:00.3, mlx5_vfio_pci) is held by pid 5100 through
// /dev/vfio/12; X710 VF 0 (0000:3b:02.0, vfio-pci) by pid 5200 through its cdev only.
const std::string kGroupHolder = "pid 5100 (qemu-system-x86) holds /dev/vfio/12";
const std::string kCdevHolder = "pid 5200 (qemu-system-x86) holds /dev/vfio/devices/vfio0";

struct Cli {
  int status;
  std::string out, err;
};

// On a private copy: writers take the host lock, which creates run/sriov/lock in the tree,
// and the shared fixture trees must stay as built (fixtures.untouched checks that).
Cli run_sriovctl(std::vector<std::string> args) {
  static test::ScratchHost host("vfio-variants");
  args.insert(args.begin(), {"sriovctl", "--sysfs-root", host.path().string()});
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status = sriovctl::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

HostView view_of(const Sysfs& sysfs, const std::string& pf) {
  auto inv = Inventory::scan(sysfs, false);
  REQUIRE(inv);
  auto found = inv->find_pf(pf);
  REQUIRE(found);
  auto view = read_host_view(sysfs, *found);
  REQUIRE(view);
  return *view;
}

}  // namespace

TEST_CASE("VFIO-ness comes from the kernel's records, not the driver's name", "[holders]") {
  Sysfs sysfs(test::fixture("vfio-variants"));
  auto variant = read_vfio_access(sysfs, "/sys/bus/pci/devices/0000:5e:00.2");
  CHECK(variant.managed);  // mlx5_vfio_pci
  CHECK(variant.files == std::vector<std::string>{"/dev/vfio/11", "/dev/vfio/devices/vfio2"});
  auto iavf = read_vfio_access(sysfs, "/sys/bus/pci/devices/0000:3b:02.2");
  CHECK_FALSE(iavf.managed);
  CHECK(iavf.files.empty());
  auto mdev = read_vfio_access(sysfs, "/sys/bus/mdev/devices/c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01");
  CHECK(mdev.managed);
  CHECK(mdev.files.size() == 2);

  auto holders = VfioHolders::scan(sysfs);
  CHECK(describe(holders.of(read_vfio_access(sysfs, "/sys/bus/pci/devices/0000:5e:00.3"))) ==
        kGroupHolder);
  CHECK(describe(holders.of(read_vfio_access(sysfs, "/sys/bus/pci/devices/0000:3b:02.0"))) ==
        kCdevHolder);
  CHECK(holders.of(variant).empty());  // VF 0 of the ConnectX: VFIO's, held by nobody
}

TEST_CASE("a variant-driver VF held through its group is never destroyed or unbound",
          "[holders][cli]") {
  for (auto force : {false, true}) {
    std::vector<std::string> args = {"destroy", "0000:5e:00.0"};
    if (force) args.push_back("--force");
    auto r = run_sriovctl(args);
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::StartsWith("sriovctl: error: refusing to destroy VFs on 0000:5e:00.0"));
    CHECK_THAT(r.err, Catch::Contains(kGroupHolder));
  }
  auto recreate = run_sriovctl({"create", "0000:5e:00.0", "2", "--force", "--dry-run"});
  CHECK(recreate.status == 3);
  CHECK_THAT(recreate.err, Catch::Contains(kGroupHolder));
  auto unbind = run_sriovctl({"unbind", "0000:5e:00.3", "--dry-run"});
  CHECK(unbind.status == 3);
  CHECK_THAT(unbind.err, Catch::Contains("refusing to move VF 1 (0000:5e:00.3) of 0000:5e:00.0 "
                                         "(ens3f0np0) off mlx5_vfio_pci: " + kGroupHolder));
  // VF 0 is on the variant driver and held by nobody: it may be moved.
  CHECK(run_sriovctl({"unbind", "0000:5e:00.2", "--dry-run"}).status == 0);
}

TEST_CASE("a vfio-pci VF held through its iommufd cdev only is never destroyed or unbound",
          "[holders][cli]") {
  auto destroy = run_sriovctl({"destroy", "ens1f0", "--force"});
  CHECK(destroy.status == 3);
  CHECK_THAT(destroy.err, Catch::Contains(kCdevHolder));
  auto bind = run_sriovctl({"bind", "ens1f0#0-1", "--driver", "iavf", "--dry-run"});
  CHECK(bind.status == 3);
  CHECK_THAT(bind.err, Catch::Contains("off vfio-pci: " + kCdevHolder));
}

TEST_CASE("VFs on a VFIO variant driver count as VFIO for --force", "[holders][planner]") {
  // A snapshot built in memory: 2 VFs on mlx5_vfio_pci, held by nobody.
  HostView host;
  host.pf.id = "0000:5e:00.0";
  host.pf.num_vfs = 2;
  for (unsigned i = 0; i < 2; ++i) {
    VirtualFunction vf;
    vf.index = i;
    vf.address = PciAddress::parse(fmt::format("0000:5e:00.{}", i + 2)).value();
    vf.driver = "mlx5_vfio_pci";
    vf.vfio = {true, {fmt::format("/dev/vfio/{}", 11 + i)}};
    host.vfs.push_back(vf);
  }
  auto refused = plan_destroy(host, false);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == Errc::refused);
  CHECK_THAT(refused.error().message,
             Catch::Contains("2 of them are bound to mlx5_vfio_pci (0000:5e:00.2, 0000:5e:00.3) "
                             "and may be assigned to VMs; pass --force"));
  auto forced = plan_destroy(host, true);
  REQUIRE(forced);
  CHECK(disruption(forced->steps[0]) == "destroys 2 VFs (2 bound to mlx5_vfio_pci)");

  host.holders = {{5100, "qemu-system-x86", "/dev/vfio/12"}};
  auto held = plan_destroy(host, true);
  REQUIRE_FALSE(held);
  CHECK_THAT(held.error().message, Catch::Contains(kGroupHolder));
}

TEST_CASE("profiles refuse to destroy or rebind VFs held by group or cdev", "[holders][profile]") {
  Sysfs sysfs(test::fixture("vfio-variants"));
  auto inv = Inventory::scan(sysfs, false);
  REQUIRE(inv);
  std::string text = "version: 1\nnics:\n  - {pf: 0000:5e:00.0, num-vfs: 2}\n"
                     "  - pf: ens1f0\n    num-vfs: 4\n    vfs: [{id: 0, driver: iavf}]\n";
  auto profile = parse_profile(text, "p.yaml");
  REQUIRE(profile);
  auto host = read_nic_snapshot(sysfs, *inv, profile->nics, nullptr);
  REQUIRE(host);
  auto plan = plan_profile(*host, profile->nics, profile->files, {true});
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == Errc::refused);
  CHECK_THAT(plan.error().message, Catch::Contains("would destroy VFs that a process holds open (" +
                                                   kGroupHolder));
  CHECK_THAT(plan.error().message,
             Catch::Contains("VF 0 would move off vfio-pci, but " + kCdevHolder));
}

TEST_CASE("the executor's last check sees a holder that came after the plan", "[holders][executor]") {
  // Planned on a host where nobody held VF 0, run where pid 5200 holds its cdev.
  test::ScratchHost host("vfio-variants");
  Sysfs sysfs(host.path());
  auto view = view_of(sysfs, "ens1f0");
  view.holders.clear();
  auto plan = plan_destroy(view, true);
  REQUIRE(plan);
  auto before = test::tree_digest(host.path());
  KernelRunner runner(sysfs, {});
  auto report = execute(*plan, runner);
  REQUIRE(report.error);
  CHECK(report.error->code == Errc::refused);
  CHECK_THAT(report.error->message,
             Catch::Contains("refusing to write 0 to /sys/bus/pci/devices/0000:3b:00.0/"
                             "sriov_numvfs: " + kCdevHolder +
                             "; the kernel would block until it lets go"));
  CHECK(test::tree_digest(host.path()) == before);

  Step unbind = BindDriver{"ens1f0", 0, PciAddress::parse("0000:3b:02.0").value(), "vfio-pci",
                           "vfio-pci", std::nullopt};
  auto refused = runner.apply(unbind);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "refusing to unbind 0000:3b:02.0 from vfio-pci: " +
                                       kCdevHolder + "; the kernel would block until it lets go");
  CHECK(test::tree_digest(host.path()) == before);
}
