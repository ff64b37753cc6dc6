#include <catch2/catch.hpp>

#include "sriov/mac_address.hpp"

using sriov::MacAddress;

TEST_CASE("MAC addresses parse strictly", "[parse]") {
  auto mac = MacAddress::parse("02:00:00:AB:cd:0f");
  REQUIRE(mac);
  CHECK(mac->str() == "02:00:00:ab:cd:0f");
  CHECK(mac->is_locally_administered());
  CHECK_FALSE(mac->is_multicast());
  CHECK(MacAddress::parse("02-00-00-00-00-01"));
  CHECK(MacAddress::parse("01:00:5e:00:00:01")->is_multicast());
}

TEST_CASE("malformed MAC addresses are rejected with the reason", "[parse]") {
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "expected six two-digit hex groups"},
      {"02:00:00:00:00", "expected six two-digit hex groups"},
      {"02:00:00:00:00:001", "expected six two-digit hex groups"},
      {"02:00:00:00:00:0g", "'0g' is not a hex byte"},
      {"02:00-00:00:00:01", "mixed or misplaced separators"},
      {"02.00.00.00.00.01", "separated by ':'"},
      {"0200:00:00:00:01", "separated by ':'"},
  };
  for (const auto& c : cases) {
    INFO("input: '" << c.text << "'");
    auto r = MacAddress::parse(c.text);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains(c.why));
  }
}

TEST_CASE("MAC arithmetic carries and stops at the top", "[parse]") {
  auto base = *MacAddress::parse("02:00:00:00:00:ff");
  CHECK(base.plus(1)->str() == "02:00:00:00:01:00");
  auto top = *MacAddress::parse("ff:ff:ff:ff:ff:fe");
  CHECK(top.plus(1));
  CHECK_FALSE(top.plus(2));
}
