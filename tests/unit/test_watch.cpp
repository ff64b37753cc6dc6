// watch's schedule (debounce, periodic check, back-off, repair limit), the uevent parser, and
// drift read from plans (status's differences).
#include <catch2/catch.hpp>

#include <string>

#include "sriov/host_events.hpp"
#include "sriov/plan.hpp"
#include "watch_schedule.hpp"

using namespace std::chrono_literals;
using sriovctl::Clock;
using sriovctl::RoundOutcome;
using sriovctl::WatchSchedule;

TEST_CASE("watch rounds follow settled events, the interval, back-off and the repair limit",
          "[watch]") {
  auto t0 = Clock::time_point{} + 1h;
  WatchSchedule s({100ms, 10s, 3, 1s, 8s}, t0);
  CHECK(s.next_round() == t0);  // the first round at once
  s.round_done(t0, RoundOutcome::in_sync);
  CHECK(s.next_round() == t0 + 10s);  // then the periodic check

  // A burst: the round waits until events pause for the debounce...
  s.event(t0 + 1s);
  s.event(t0 + 1s + 50ms);
  CHECK(s.next_round() == t0 + 1s + 150ms);
  REQUIRE(s.first_event());
  CHECK(*s.first_event() == t0 + 1s);
  // ...but no longer than 5 debounces after the first event.
  for (auto t = 1100ms; t < 2s; t += 80ms) s.event(t0 + t);
  CHECK(s.next_round() == t0 + 1s + 500ms);
  s.round_done(t0 + 2s, RoundOutcome::repaired);
  CHECK_FALSE(s.first_event());

  // Failures back off 1 s, 2 s, 4 s, 8 s, 8 s; events do not bypass it.
  auto t = t0 + 3s;
  for (auto wait : {1s, 2s, 4s, 8s, 8s}) {
    s.round_done(t, RoundOutcome::failed);
    s.event(t + 10ms);
    CHECK(s.next_round() == t + wait);
    CHECK(std::string(s.held_back_by()) == "the back-off after failed rounds");
    t += wait;
  }
  s.round_done(t, RoundOutcome::in_sync);
  s.event(t + 1s);
  CHECK(s.next_round() == t + 1s + 100ms);  // a success ends the back-off

  // 3 repairs a minute at most: with the repair of t0 + 2s (26 s before) and three more, the
  // next waits until only two of them are within the minute.
  auto r = t + 2s;
  s.round_done(r, RoundOutcome::repaired);
  s.round_done(r + 1s, RoundOutcome::repaired);
  s.round_done(r + 2s, RoundOutcome::repaired);
  s.event(r + 3s);
  CHECK(s.next_round() == r + 60s);
  CHECK(std::string(s.held_back_by()) == "the repair limit (--max-repairs a minute)");
}

TEST_CASE("uevents: kernel messages parsed, udev's and garbage refused", "[watch]") {
  const char msg[] = "add@/devices/pci0000:00/0000:00:03.0\0ACTION=add\0DEVPATH=/devices/"
                     "pci0000:00/0000:00:03.0\0SUBSYSTEM=pci\0DRIVER=nvme\0SEQNUM=7";
  auto e = sriov::parse_uevent(msg, sizeof msg - 1);
  REQUIRE(e);
  CHECK(e->action == "add");
  CHECK(e->devpath == "/devices/pci0000:00/0000:00:03.0");
  CHECK(e->subsystem == "pci");
  CHECK(e->driver == "nvme");
  CHECK(sriov::relevant(*e));
  const char block[] = "change@/devices/virtual/block/loop0\0ACTION=change\0SUBSYSTEM=block";
  CHECK_FALSE(sriov::relevant(*sriov::parse_uevent(block, sizeof block - 1)));
  const char udev[] = "libudev\0\xfe\xed\xca\xfe";
  CHECK_FALSE(sriov::parse_uevent(udev, sizeof udev - 1));
  CHECK_FALSE(sriov::parse_uevent("", 0));
  const char no_action[] = "add@/x\0SUBSYSTEM=pci";  // truncated: no ACTION key
  CHECK_FALSE(sriov::parse_uevent(no_action, sizeof no_action - 1));
}

TEST_CASE("drift of a plan: a count changed through 0 is one difference", "[watch][drift]") {
  sriov::Plan plan;
  plan.steps.push_back(sriov::SetNumVfs{"pf0", "/sys/x", 4, 0});
  plan.steps.push_back(sriov::SetNumVfs{"pf0", "/sys/x", 0, 8});
  plan.steps.push_back(sriov::SetAutoprobe{"pf0", "/sys/x", true, false});
  auto d = sriov::net_drift(plan.steps, 0, plan.steps.size());
  REQUIRE(d.size() == 2);
  CHECK(d[0] == sriov::Difference{"pf0", "num-vfs", "8", "4"});
  CHECK(d[1] == sriov::Difference{"pf0", "drivers-autoprobe", "false", "true"});
  // Steps that end where they began are no difference; a range selects one device's steps.
  plan.steps.push_back(sriov::SetNumVfs{"pf1", "/sys/y", 2, 0});
  plan.steps.push_back(sriov::SetNumVfs{"pf1", "/sys/y", 0, 2});
  CHECK(sriov::net_drift(plan.steps, 3, 2).empty());
  CHECK(sriov::net_drift(plan.steps, 2, 1).size() == 1);
}
