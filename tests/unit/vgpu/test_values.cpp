// Uuid (libsriov) and sizes (mdev/size.hpp): strict parsers.
#include <set>

#include <catch2/catch.hpp>

#include "mdev/size.hpp"
#include "mdev/uuid.hpp"

using mdev::Uuid;

TEST_CASE("Uuid parses 8-4-4-4-12 hex and prints lower case", "[uuid]") {
  auto u = Uuid::parse("C0FFEE00-7a3e-4d2b-9A51-2f6f3c3d1e01");
  REQUIRE(u);
  CHECK(u->str() == "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01");
  CHECK(u->bytes[0] == 0xc0);
  CHECK(u->bytes[15] == 0x01);
  CHECK_FALSE(u->is_nil());
  CHECK(Uuid::parse("00000000-0000-0000-0000-000000000000")->is_nil());
}

TEST_CASE("Uuid refuses anything half-valid and says why", "[uuid]") {
  for (const char* bad :
       {"", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e0", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e011",
        "c0ffee007a3e4d2b9a512f6f3c3d1e01", "c0ffee00-7a3e-4d2b-9a51_2f6f3c3d1e01",
        "g0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01", " c0ffee0-7a3e-4d2b-9a51-2f6f3c3d1e01",
        "{0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e0}", "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e0\n"}) {
    INFO(bad);
    auto u = Uuid::parse(bad);
    REQUIRE_FALSE(u);
    CHECK(u.error().code == sriov::Errc::invalid_input);
    CHECK_THAT(u.error().message, Catch::StartsWith("invalid UUID"));
  }
  CHECK_THAT(Uuid::parse("c0ffee00x7a3e-4d2b-9a51-2f6f3c3d1e01").error().message,
             Catch::Contains("expected '-' at position 9"));
  CHECK_THAT(Uuid::parse("abc").error().message, Catch::Contains("3 characters, not 36"));
}

TEST_CASE("random UUIDs are version 4, RFC 4122 variant and distinct", "[uuid]") {
  std::set<std::string> seen;
  for (int i = 0; i < 64; ++i) {
    auto u = Uuid::random();
    REQUIRE(u);
    auto s = u->str();
    CHECK(s[14] == '4');
    CHECK(std::string("89ab").find(s[19]) != std::string::npos);
    CHECK(Uuid::parse(s).value() == *u);
    seen.insert(s);
  }
  CHECK(seen.size() == 64);
}

TEST_CASE("a batch of random UUIDs: one request, every one version 4 and distinct", "[uuid]") {
  auto batch = Uuid::random(300);
  REQUIRE(batch);
  REQUIRE(batch->size() == 300);
  std::set<std::string> seen;
  for (const auto& u : *batch) {
    auto s = u.str();
    CHECK(s[14] == '4');
    CHECK(std::string("89ab").find(s[19]) != std::string::npos);
    seen.insert(s);
  }
  CHECK(seen.size() == 300);
  CHECK(Uuid::random(0).value().empty());
}

TEST_CASE("sizes: whole numbers with binary units", "[size]") {
  using mdev::parse_size;
  CHECK(parse_size("512M").value() == 512ull << 20);
  CHECK(parse_size("4G").value() == 4ull << 30);
  CHECK(parse_size("4GiB").value() == 4ull << 30);
  CHECK(parse_size("4GB").value() == 4ull << 30);
  CHECK(parse_size("4g").value() == 4ull << 30);
  CHECK(parse_size("1024MiB").value() == 1ull << 30);
  CHECK(parse_size("64K").value() == 64ull << 10);
  CHECK(parse_size("1T").value() == 1ull << 40);
  CHECK(parse_size("4096B").value() == 4096);
  for (const char* bad : {"", "4", "G", "4 G", "1.5G", "-4G", "4X", "4GiBs", "4BB", "0M",
                          "99999999999999999999G", "20000000000T"}) {
    INFO(bad);
    auto s = parse_size(bad);
    REQUIRE_FALSE(s);
    CHECK(s.error().code == sriov::Errc::invalid_input);
  }
  CHECK_THAT(parse_size("4").error().message, Catch::Contains("no unit"));
  CHECK_THAT(parse_size("4").error().message, Catch::Contains("512M, 4G, 4GiB, 1024MiB"));
}

TEST_CASE("sizes print in the largest exact unit", "[size]") {
  using mdev::format_size;
  CHECK(format_size(1ull << 30) == "1 GiB");
  CHECK(format_size(48ull << 30) == "48 GiB");
  CHECK(format_size(640ull << 20) == "640 MiB");
  CHECK(format_size(1536ull << 20) == "1536 MiB");
  CHECK(format_size(12) == "12 B");
  CHECK(format_size(0) == "0 B");
}
