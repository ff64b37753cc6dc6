// VF settings logic against a fake kernel: chunking, retries, verification and exact restore.
#include <cerrno>
#include <map>

#include <catch2/catch.hpp>

#include "fake_link.hpp"
#include "sriov/link_backend.hpp"
#include "sriov/planner.hpp"

using namespace sriov;

namespace {

using FakeKernel = test::FakeLink;

PhysicalFunction nsim_pf(unsigned vfs) {
  PhysicalFunction pf;
  pf.id = "netdevsim1";
  pf.is_pci = false;
  pf.netdevs = {"eni1np1"};
  pf.driver = "netdevsim";
  pf.num_vfs = vfs;
  return pf;
}

VfConfig six_settings() {
  VfConfig c;
  REQUIRE(parse_vf_setting("mac-from=02:00:00:00:10:00", c));
  REQUIRE(parse_vf_setting("vlan=100", c));
  REQUIRE(parse_vf_setting("qos=3", c));
  REQUIRE(parse_vf_setting("max-rate=1000", c));
  REQUIRE(parse_vf_setting("min-rate=100", c));
  REQUIRE(parse_vf_setting("spoofchk=on", c));
  REQUIRE(parse_vf_setting("trust=on", c));
  REQUIRE(parse_vf_setting("link-state=enable", c));
  return c;
}

std::vector<unsigned> all(unsigned n) {
  std::vector<unsigned> v;
  for (unsigned i = 0; i < n; ++i) v.push_back(i);
  return v;
}

Plan plan_for(FakeKernel& k, unsigned vfs, const VfConfig& c, std::vector<unsigned> idx = {}) {
  auto plan = plan_set(nsim_pf(vfs), idx.empty() ? all(vfs) : idx, c, *k.read("eni1np1"));
  if (!plan) FAIL(plan.error().message);
  return *plan;
}

Status apply(FakeKernel& k, const Plan& plan) {
  const auto& step = (plan.steps.at(0)).get<SetVfSettings>();
  return apply_vf_changes(k, step.ifname, step.changes, {"netdevsim1 (eni1np1)", "netdevsim"});
}

}  // namespace

TEST_CASE("one vocabulary: the profile's keys, iproute2's and earlier spellings as aliases",
          "[link]") {
  // Each spelling sets the same field as the profile key; the plan text says the key.
  struct Case {
    std::vector<const char*> spellings;
    const char* key;
  } cases[] = {{{"mac-address=02:00:00:00:00:01", "mac=02:00:00:00:00:01"}, "mac-address"},
               {{"vlan-id=7", "vlan=7", "vlan_id=7"}, "vlan-id"},
               {{"vlan-proto=802.1ad", "proto=802.1ad", "vlan_proto=802.1AD"}, "vlan-proto"},
               {{"min-tx-rate=10", "min_tx_rate=10", "min-rate=10"}, "min-tx-rate"},
               {{"max-tx-rate=10", "max_tx_rate=10", "max-rate=10", "rate=10"}, "max-tx-rate"},
               {{"spoof-check=on", "spoofchk=on", "spoof_check=true"}, "spoof-check"},
               {{"trust=on", "trust=true"}, "trust"},
               {{"link-state=enable", "state=enable", "link_state=enable"}, "link-state"},
               {{"query-rss=on", "query_rss=on"}, "query-rss"}};
  for (const auto& c : cases) {
    std::optional<std::string> first;
    for (const char* text : c.spellings) {
      INFO(text);
      VfConfig config;
      REQUIRE(parse_vf_setting(text, config));
      auto described = describe_config(config, 0);
      CHECK_THAT(described, Catch::StartsWith(std::string(c.key) + "="));
      if (first) CHECK(described == *first);
      first = described;
    }
  }
  CHECK(vf_setting_keys().size() == 11);
  for (auto key : vf_setting_keys()) CHECK(canonical_vf_key(key) == key);
  CHECK_FALSE(canonical_vf_key("vlan-tag"));
  CHECK(json_key("max-tx-rate") == "max_tx_rate");
}

TEST_CASE("settings parse strictly and name the key", "[link]") {
  VfConfig c;
  CHECK(parse_vf_setting("vlan-proto=802.1AD", c));
  CHECK(c.vlan_proto == VlanProto::dot1ad);
  struct Case {
    const char* text;
    const char* why;
  } cases[] = {{"vlan=4096", "vlan=4096: out of range (VLAN ID 0-4095)"},
               {"qos=8", "qos=8: out of range (802.1p priority 0-7)"},
               {"vlan=-1", "expected a decimal number"},
               {"spoofchk=yes", "spoofchk=yes: expected on or off"},
               {"link-state=up", "expected auto, enable or disable"},
               {"vlan-proto=qinq", "expected 802.1Q or 802.1ad"},
               {"mac=01:00:5e:00:00:01x", "invalid MAC address"},
               {"colour=blue", "unknown setting 'colour'"},
               {"vlan", "expected KEY=VALUE"}};
  for (const auto& k : cases) {
    INFO(k.text);
    auto r = parse_vf_setting(k.text, c);
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().message, Catch::Contains(k.why));
  }
}

TEST_CASE("validation before anything is sent", "[link]") {
  FakeKernel k(8);
  auto pf = nsim_pf(8);
  auto dump = *k.read("eni1np1");
  VfConfig multicast;
  REQUIRE(parse_vf_setting("mac=01:00:5e:00:00:01", multicast));
  auto m = plan_set(pf, {0}, multicast, dump);
  REQUIRE_FALSE(m);
  CHECK(m.error().message ==
        "VF 0 of netdevsim1 (eni1np1): 01:00:5e:00:00:01 is a multicast address; a VF needs a "
        "unicast MAC (e.g. one starting 02:)");
  VfConfig rates;
  REQUIRE(parse_vf_setting("min-rate=500", rates));
  REQUIRE(parse_vf_setting("max-rate=100", rates));
  auto r = plan_set(pf, {1, 2}, rates, dump);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains("VFs 1-2 of netdevsim1 (eni1np1): min-tx-rate 500 "
                                                "is above max-tx-rate 100"));
  VfConfig same_mac;
  REQUIRE(parse_vf_setting("mac=02:00:00:00:00:01", same_mac));
  auto s = plan_set(pf, {0, 1}, same_mac, dump);
  REQUIRE_FALSE(s);
  CHECK_THAT(s.error().message, Catch::Contains("use mac-from="));
  auto past = plan_set(pf, {8}, rates, dump);
  REQUIRE_FALSE(past);
  VfConfig vlan;
  REQUIRE(parse_vf_setting("vlan=5", vlan));
  auto idx = plan_set(pf, {8}, vlan, dump);
  REQUIRE_FALSE(idx);
  CHECK(idx.error().message == "VF 8 of netdevsim1 (eni1np1): the PF has 8 VFs (0-7)");
  CHECK(k.counters().set_requests == 0);
}

TEST_CASE("mac-from hands out consecutive addresses from the first VF of the range", "[link]") {
  FakeKernel k(16);
  VfConfig c;
  REQUIRE(parse_vf_setting("mac-from=02:00:00:00:00:fe", c));
  auto plan = plan_for(k, 16, c, {4, 5, 6, 9});
  const auto& changes = plan.steps[0].get<SetVfSettings>().changes;
  REQUIRE(changes.size() == 4);
  CHECK(changes[0].after.mac.str() == "02:00:00:00:00:fe");
  CHECK(changes[1].after.mac.str() == "02:00:00:00:00:ff");
  CHECK(changes[2].after.mac.str() == "02:00:00:00:01:00");
  CHECK(changes[3].after.mac.str() == "02:00:00:00:01:03");  // VF 9: base + 9 - 4
}

TEST_CASE("256 VFs go in one message, 1024 in as few as the 64 KiB limit allows", "[link]") {
  for (unsigned n : {64u, 256u, 1024u}) {
    FakeKernel k(n);
    auto plan = plan_for(k, n, six_settings());
    const auto& changes = plan.steps[0].get<SetVfSettings>().changes;
    auto chunks = chunk_changes(changes);
    size_t total = 0;
    for (const auto& c : changes) total += encoded_size(c);
    CHECK(chunks.size() == (total + 4 + kMaxVfListBytes - 1) / kMaxVfListBytes);
    for (const auto& chunk : chunks) {
      size_t bytes = 4;
      for (const auto& c : chunk) bytes += encoded_size(c);
      CHECK(bytes <= kMaxVfListBytes);
    }
    REQUIRE(apply(k, plan));
    CHECK(k.counters().set_requests == chunks.size());
    CHECK(k.counters().get_requests == 2);  // the plan's read and the verification
    CHECK(k.state()[n - 1].settings.vlan == 100);
    if (n == 256) CHECK(chunks.size() == 1);
    if (n == 1024) CHECK(chunks.size() == 2);
  }
}

TEST_CASE("a repeated command plans nothing and sends nothing", "[link]") {
  FakeKernel k(32);
  REQUIRE(apply(k, plan_for(k, 32, six_settings())));
  auto sets = k.counters().set_requests;
  auto again = plan_set(nsim_pf(32), all(32), six_settings(), *k.read("eni1np1"));
  REQUIRE(again);
  CHECK(again->empty());
  CHECK(again->notes.back() == "VFs 0-31 of netdevsim1 (eni1np1) already match");
  CHECK(k.counters().set_requests == sets);
}

TEST_CASE("a VF the kernel refuses mid-message leaves every VF as it was", "[link]") {
  FakeKernel k(16);
  auto before = k.state();
  k.refuse_vf = 9;
  auto st = apply(k, plan_for(k, 16, six_settings()));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::kernel);
  CHECK(st.error().message ==
        "netdevsim1 (eni1np1): the kernel refused the settings of VF 9: the driver refused vlan-id "
        "0 -> 100, qos 0 -> 3 (EINVAL; dmesg may say why). VFs 0-9 had been changed and were "
        "restored to the previous settings.");
  for (unsigned i = 0; i < 16; ++i) CHECK(k.state()[i].settings == before[i].settings);
}

TEST_CASE("EOPNOTSUPP names the driver and the field", "[link]") {
  FakeKernel k(4);
  k.refuse_vf = 0;
  k.refuse_errno = EOPNOTSUPP;
  VfConfig c;
  REQUIRE(parse_vf_setting("trust=on", c));
  auto st = apply(k, plan_for(k, 4, c));
  REQUIRE_FALSE(st);
  CHECK(st.error().code == Errc::unsupported);
  CHECK_THAT(st.error().message,
             Catch::Contains("driver netdevsim does not support trust (EOPNOTSUPP)"));
  CHECK_THAT(st.error().message, Catch::EndsWith("Nothing had been applied."));
}

TEST_CASE("EBUSY (VF still in reset) is retried with a bound", "[link]") {
  FakeKernel k(4);
  k.busy_times = 2;
  REQUIRE(apply(k, plan_for(k, 4, six_settings())));
  CHECK(k.message_sizes.size() == 3);
  CHECK(k.counters().retries == 2);
  FakeKernel stuck(4);
  stuck.busy_times = 100;
  auto st = apply(stuck, plan_for(stuck, 4, six_settings()));
  REQUIRE_FALSE(st);
  CHECK_THAT(st.error().message, Catch::Contains("stayed busy"));
  CHECK(stuck.message_sizes.size() == 5);
}

TEST_CASE("a value the driver stores differently is caught by the read-back", "[link]") {
  FakeKernel k(4);
  k.rates_16bit = true;
  VfConfig c;
  REQUIRE(parse_vf_setting("max-rate=70000", c));
  REQUIRE(parse_vf_setting("vlan=7", c));
  auto st = apply(k, plan_for(k, 4, c));
  REQUIRE_FALSE(st);
  CHECK_THAT(st.error().message, Catch::Contains("VF 0: max-tx-rate asked 70000, reads 4464"));
  CHECK_THAT(st.error().message, Catch::Contains("VFs 0-3 had been changed and were restored"));
  for (const auto& vf : k.state()) {
    CHECK(vf.settings.max_rate == 0);
    CHECK(vf.settings.vlan == 0);
  }
}
