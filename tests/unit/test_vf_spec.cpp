#include <catch2/catch.hpp>

#include "sriov/vf_spec.hpp"

using namespace sriov;

TEST_CASE("VF ranges parse to sorted unique indexes", "[parse]") {
  CHECK(*parse_vf_ranges("0-3,6") == std::vector<unsigned>{0, 1, 2, 3, 6});
  CHECK(*parse_vf_ranges("7,2-3") == std::vector<unsigned>{2, 3, 7});
  CHECK(*parse_vf_ranges("5") == std::vector<unsigned>{5});
  CHECK(format_vf_ranges({0, 1, 2, 3, 6, 8, 9}) == "0-3,6,8-9");
}

TEST_CASE("malformed VF ranges are rejected with the reason", "[parse]") {
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {
      {"", "empty"},
      {"0-3,", "empty element"},
      {",1", "empty element"},
      {"3-1", "runs backwards"},
      {"1-2,2", "VF 2 is listed twice"},
      {"a", "'a' is not an index"},
      {"1-", "'1-' is not an index"},
      {"-1", "'-1' is not an index"},
      {"1 - 2", "is not an index"},
      {"0-70000", "above the largest VF index"},
  };
  for (const auto& c : cases) {
    INFO("input: '" << c.text << "'");
    auto r = parse_vf_ranges(c.text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == Errc::invalid_input);
    CHECK_THAT(r.error().message, Catch::Contains(c.why));
  }
}

TEST_CASE("VF specs: PF#RANGES or a VF address", "[parse]") {
  auto byname = parse_vf_spec("ens1f0#0-3,6");
  REQUIRE(byname);
  CHECK(byname->pf == "ens1f0");
  CHECK(byname->indexes.size() == 5);
  auto byaddr = parse_vf_spec("0000:3b:00.0#1");
  REQUIRE(byaddr);
  CHECK(byaddr->pf == "0000:3b:00.0");
  auto vf = parse_vf_spec("3b:02.1");
  REQUIRE(vf);
  CHECK(vf->vf->str() == "0000:3b:02.1");

  auto missing_pf = parse_vf_spec("#0-3");
  REQUIRE_FALSE(missing_pf);
  CHECK_THAT(missing_pf.error().message, Catch::Contains("the PF before '#' is missing"));
  auto bare_name = parse_vf_spec("ens1f0");
  REQUIRE_FALSE(bare_name);
  CHECK_THAT(bare_name.error().message, Catch::Contains("PF#RANGES"));
  auto bad_range = parse_vf_spec("ens1f0#x");
  REQUIRE_FALSE(bad_range);
  CHECK_THAT(bad_range.error().message, Catch::Contains("invalid VF range 'x'"));
}
