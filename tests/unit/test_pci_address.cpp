#include <catch2/catch.hpp>

#include "sriov/pci_address.hpp"

using sriov::PciAddress;

TEST_CASE("PCI addresses parse in full and short form", "[parse]") {
  auto full = PciAddress::parse("0000:3b:00.1");
  REQUIRE(full);
  CHECK(full->str() == "0000:3b:00.1");
  auto shortform = PciAddress::parse("3B:02.7");
  REQUIRE(shortform);
  CHECK(shortform->str() == "0000:3b:02.7");
  auto wide = PciAddress::parse("10000:e1:1f.0");
  REQUIRE(wide);
  CHECK(wide->domain == 0x10000);
  CHECK(wide->str() == "10000:e1:1f.0");
}

TEST_CASE("malformed PCI addresses are rejected with the reason", "[parse]") {
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "expected DDDD:BB:DD.F"},
      {"3b:00", "missing '.F'"},
      {"0000:3b:00", "missing '.F'"},
      {"3b:00.8", "function 8 is above 7"},
      {"3b:20.0", "device 20 is above 1f"},
      {"3b:0.0", "device must be 2 hex digits"},
      {"3g:00.0", "bus must be 2 hex digits"},
      {"000:3b:00.0", "domain must be 4 to 8 hex digits"},
      {"000000000:3b:00.0", "domain must be 4 to 8 hex digits"},
      {"0000:3b:00.0.1", "missing '.F'"},
      {"0000:3b:00.", "function must be one digit"},
      {"a:b:c:d.0", "expected DDDD:BB:DD.F"},
      {" 3b:00.0", "bus must be 2 hex digits"},
      {"3b:00.0 ", "function must be one digit"},
      {"3b:00.a", "function a is above 7"},
  };
  for (const auto& c : cases) {
    INFO("input: '" << c.text << "'");
    auto r = PciAddress::parse(c.text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == sriov::Errc::invalid_input);
    CHECK_THAT(r.error().message, Catch::Contains(c.why));
    CHECK_THAT(r.error().message, Catch::Contains(std::string("'") + c.text + "'"));
  }
}

TEST_CASE("VF addresses follow the SR-IOV routing-id rule", "[parse]") {
  auto pf = *PciAddress::parse("0000:3b:00.0");
  CHECK(pf.vf(16, 1, 0).str() == "0000:3b:02.0");
  CHECK(pf.vf(16, 1, 63).str() == "0000:3b:09.7");
  auto pf1 = *PciAddress::parse("0000:3b:00.1");
  CHECK(pf1.vf(79, 1, 0).str() == "0000:3b:0a.0");
  // 82599: offset 128, stride 2; crossing into the next bus.
  auto ix = *PciAddress::parse("0000:04:00.0");
  CHECK(ix.vf(128, 2, 0).str() == "0000:04:10.0");
  CHECK(ix.vf(128, 2, 62).str() == "0000:04:1f.4");
  CHECK(ix.vf(128, 2, 64).str() == "0000:05:00.0");
}

TEST_CASE("looks_like tells addresses from netdev names", "[parse]") {
  CHECK(PciAddress::looks_like("3b:00.0"));
  CHECK_FALSE(PciAddress::looks_like("ens1f0"));
  CHECK_FALSE(PciAddress::looks_like("eth0.100"));
}
