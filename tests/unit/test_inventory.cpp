#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "sriov/inventory.hpp"

using namespace sriov;

namespace {

Inventory scan(const Sysfs& sysfs) {
  auto inv = Inventory::scan(sysfs);
  if (!inv) FAIL(inv.error().message);
  return *inv;
}

}  // namespace

TEST_CASE("X710: both PFs with their facts, VFs by virtfn", "[inventory]") {
  Sysfs sysfs(test::fixture("x710"));
  auto inv = scan(sysfs);
  REQUIRE(inv.pfs().size() == 2);
  const auto& pf = inv.pfs()[0];
  CHECK(pf.id == "0000:3b:00.0");
  CHECK(pf.vendor_name == "Intel Corporation");
  CHECK(pf.device_name == "Ethernet Controller X710 for 10GbE SFP+");
  CHECK(pf.driver == "i40e");
  CHECK(pf.netdevs == std::vector<std::string>{"ens1f0"});
  CHECK(pf.total_vfs == 64u);
  CHECK(pf.num_vfs == 64);
  CHECK(pf.drivers_autoprobe == true);
  CHECK(pf.vf_offset == 16u);
  CHECK(pf.vf_stride == 1u);
  CHECK(pf.vf_device_id == 0x154c);
  CHECK(pf.numa_node == 0);
  CHECK(pf.link_speed_mbps == 10000u);
  CHECK(pf.iommu_group.has_value());

  auto vfs = read_vfs(sysfs, pf);
  REQUIRE(vfs);
  REQUIRE(vfs->size() == 64);
  CHECK((*vfs)[0].address->str() == "0000:3b:02.0");
  CHECK((*vfs)[0].driver == "iavf");
  CHECK((*vfs)[0].netdevs == std::vector<std::string>{"ens1f0v0"});
  CHECK((*vfs)[8].driver == std::nullopt);
  CHECK((*vfs)[63].address->str() == "0000:3b:09.7");
  for (unsigned i = 0; i < 64; ++i) {
    CHECK((*vfs)[i].index == i);
    CHECK((*vfs)[i].address == pf.vf_address(i));  // offset/stride agree with virtfn links
    CHECK((*vfs)[i].iommu_group_peers.empty());
  }
}

TEST_CASE("PFs are found by address, short address and netdev, others explained", "[inventory]") {
  Sysfs sysfs(test::fixture("x710"));
  auto inv = scan(sysfs);
  CHECK(inv.find_pf("0000:3b:00.1")->id == "0000:3b:00.1");
  CHECK(inv.find_pf("3b:00.1")->id == "0000:3b:00.1");
  CHECK(inv.find_pf("ens1f0")->id == "0000:3b:00.0");

  auto vf = inv.find_pf("3b:02.0");
  REQUIRE_FALSE(vf);
  CHECK(vf.error().message == "0000:3b:02.0 is a VF of 0000:3b:00.0, not a PF; give the PF");
  auto bridge = inv.find_pf("00:00.0");
  REQUIRE_FALSE(bridge);
  CHECK_THAT(bridge.error().message, Catch::Contains("has no SR-IOV capability"));
  auto none = inv.find_pf("99:00.0");
  REQUIRE_FALSE(none);
  CHECK(none.error().code == Errc::not_found);
  CHECK_THAT(none.error().message, Catch::StartsWith("no PCI device 0000:99:00.0"));
  auto vf_netdev = inv.find_pf("ens1f0v3");
  REQUIRE_FALSE(vf_netdev);
  CHECK_THAT(vf_netdev.error().message, Catch::Contains("is the netdev of a VF of 0000:3b:00.0"));
  auto unknown = inv.find_pf("eth9");
  REQUIRE_FALSE(unknown);
  CHECK_THAT(unknown.error().message, Catch::Contains("see 'sriovctl list'"));
  auto bad = inv.find_pf("3b:00.9");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == Errc::invalid_input);
}

TEST_CASE("non-PCI netdev PFs (netdevsim) have no total limit", "[inventory]") {
  Sysfs sysfs(test::fixture("netdevsim"));
  auto inv = scan(sysfs);
  REQUIRE(inv.pfs().size() == 1);  // the virtio NIC has no SR-IOV and is not listed
  const auto& pf = inv.pfs()[0];
  CHECK(pf.id == "netdevsim1");
  CHECK_FALSE(pf.is_pci);
  CHECK(pf.bus == "netdevsim");
  CHECK(pf.total_vfs == std::nullopt);
  CHECK(pf.num_vfs == 4);
  CHECK(pf.netdevs == std::vector<std::string>{"eni1np1"});
  CHECK(inv.find_pf("eni1np1")->id == "netdevsim1");
  auto vfs = read_vfs(sysfs, pf);
  REQUIRE(vfs->size() == 4);
  CHECK_FALSE((*vfs)[0].address);
}

TEST_CASE("shared IOMMU groups and offset/stride layouts of other NICs", "[inventory]") {
  SECTION("82599: offset 128 stride 2; PFs share a group") {
    Sysfs sysfs(test::fixture("ixgbe-82599"));
    auto inv = scan(sysfs);
    auto pf = *inv.find_pf("ens4f0");
    CHECK(pf.total_vfs == 63u);
    CHECK(pf.vf_offset == 128u);
    CHECK(pf.vf_stride == 2u);
    auto vfs = *read_vfs(sysfs, pf);
    REQUIRE(vfs.size() == 63);
    for (const auto& vf : vfs) CHECK(vf.address == pf.vf_address(vf.index));
  }
  SECTION("E810: VFs past the bus boundary") {
    Sysfs sysfs(test::fixture("e810"));
    auto inv = scan(sysfs);
    auto pf = *inv.find_pf("ens2f1np1");
    auto vfs = *read_vfs(sysfs, pf);
    REQUIRE(vfs.size() == 128);
    CHECK(vfs.back().address->bus == 0x87);
    for (const auto& vf : vfs) CHECK(vf.address == pf.vf_address(vf.index));
  }
  SECTION("GPU hosts without SR-IOV NICs") {
    Sysfs t4(test::fixture("gpu-t4"));
    CHECK(scan(t4).pfs().empty());
    Sysfs l40s(test::fixture("gpu-l40s"));
    auto inv = scan(l40s);
    REQUIRE(inv.pfs().size() == 1);
    CHECK(inv.pfs()[0].driver == "nvidia");
    CHECK(inv.pfs()[0].total_vfs == 32u);
  }
}

TEST_CASE("VF specs resolve to VFs, bad indexes name the PF range", "[inventory]") {
  Sysfs sysfs(test::fixture("cx6dx"));
  auto inv = scan(sysfs);
  auto range = resolve_vfs(sysfs, inv, *parse_vf_spec("ens3f0np0#0-1,7"));
  REQUIRE(range);
  REQUIRE(range->size() == 3);
  CHECK((*range)[2].vf.address->str() == "0000:5e:01.1");
  auto single = resolve_vfs(sysfs, inv, *parse_vf_spec("0000:5e:00.4"));
  REQUIRE(single);
  CHECK((*single)[0].vf.index == 2);
  auto past = resolve_vfs(sysfs, inv, *parse_vf_spec("ens3f0np0#8"));
  REQUIRE_FALSE(past);
  CHECK(past.error().message == "VF 8 of 0000:5e:00.0 (ens3f0np0): the PF has 8 VFs (0-7)");
  auto none = resolve_vfs(sysfs, inv, *parse_vf_spec("ens3f1np1#0"));
  REQUIRE_FALSE(none);
  CHECK_THAT(none.error().message, Catch::Contains("the PF has no VFs"));
  auto pf_as_vf = resolve_vfs(sysfs, inv, *parse_vf_spec("0000:5e:00.0"));
  REQUIRE_FALSE(pf_as_vf);
  CHECK_THAT(pf_as_vf.error().message, Catch::Contains("is not a VF"));
}
