// A profile's gpus entries planned against fixture hosts and hand-built mbochs trees: exactly
// `count` instances per GPU, stable UUIDs, definitions with start:, refusals and errors.
#include <fmt/format.h>

#include <fstream>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "mdev/profile.hpp"
#include "sriov/planner.hpp"
#include "vgpu_helpers.hpp"

using namespace mdev;
namespace fs = std::filesystem;

namespace {

const std::string kT4Types =
    "/sys/devices/pci0000:ae/0000:ae:00.0/0000:af:00.0/mdev_supported_types";
const std::string kRunning = "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01";  // GRID T4-1Q on gpu-t4
const std::string kMbochs = "/sys/devices/virtual/mbochs/mbochs/mdev_supported_types";

std::string fresh(unsigned n) { return fmt::format("00000000-0000-4000-8000-{:012x}", n); }

sriov::Result<sriov::Plan> plan_at(const fs::path& root, const std::string& text,
                                   bool allow = false) {
  auto profile = mdev::parse_profile(text, "p.yaml");
  if (!profile) FAIL(profile.error().message);
  sriov::Sysfs sysfs(root);
  auto view = read_gpu_host_view(sysfs);
  if (!view) FAIL(view.error().message);
  unsigned n = 0;
  GpuProfileRequest request{allow, [&n]() -> sriov::Result<std::string> { return fresh(++n); }};
  std::vector<sriov::ProfileDraft> parts;
  parts.push_back(draft_gpus_plan(*view, *profile, request));
  return sriov::finish_profile_plan(std::move(parts), profile->files);
}

sriov::Result<sriov::Plan> plan_on(const std::string& fixture, const std::string& text,
                                   bool allow = false) {
  return plan_at(test::fixture(fixture), text, allow);
}

std::vector<std::string> writes(const sriov::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps)
    for (const auto& w : sriov::planned_writes(step)) out.push_back(w.value + " > " + w.path);
  return out;
}

std::vector<std::string> actions(const sriov::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps)
    out.push_back(sriov::step_action(step) + " " + sriov::step_target(step));
  return out;
}

std::string definition(const std::string& type, bool autostart) {
  return fmt::format("{{\n  \"mdev_type\": \"{}\",\n  \"start\": \"{}\",\n  \"attrs\": []\n}}",
                     type, autostart ? "auto" : "manual");
}

// An mbochs tree (1 GB pool, `used` MB of it taken) with running instances and definitions.
struct Mbochs {
  vtest::FakeTree tree;
  explicit Mbochs(unsigned used_mb = 0) { tree.mbochs(1024, used_mb); }
  void running(const std::string& type, const std::string& uuid, unsigned group) const {
    tree.instance("mbochs", type, uuid);
    tree.link("sys/devices/virtual/mbochs/mbochs/" + uuid + "/iommu_group",
              "sys/kernel/iommu_groups/" + std::to_string(group));
    tree.dir("sys/kernel/iommu_groups/" + std::to_string(group));
    tree.file("dev/vfio/" + std::to_string(group), "");  // as VFIO makes for every mdev
  }
  void defined(const std::string& type, const std::string& uuid, bool autostart) const {
    tree.file("etc/mdevctl.d/mbochs/" + uuid, definition(type, autostart));
  }
  // A process (like a VM's QEMU) holding /dev/vfio/<group> open.
  void holder(int pid, unsigned group) const {
    tree.file(fmt::format("proc/{}/comm", pid), "qemu-system-x86\n");
    tree.dir(fmt::format("proc/{}/fd", pid));
    fs::create_symlink(fmt::format("/dev/vfio/{}", group),
                       tree.path() / fmt::format("proc/{}/fd/3", pid));
  }
};

const std::string kA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kB = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string kC = "cccccccc-0000-4000-8000-000000000003";
const std::string kD = "dddddddd-0000-4000-8000-000000000004";

}  // namespace

TEST_CASE("a host that already has the instances plans nothing", "[profile][gpus]") {
  auto t4 =
      plan_on("gpu-t4", "version: 1\ngpus:\n  - {gpu: af:00.0, type: nvidia-230, count: 1}\n");
  REQUIRE(t4);
  CHECK(t4->empty());
  CHECK(t4->notes ==
        std::vector<std::string>{"0000:af:00.0: GRID T4-1Q (nvidia-230): no change (1 running)"});
  // The same instance reached by framebuffer size and by PCI ids: still nothing to do.
  auto by_size = plan_on("gpu-t4", R"(version: 1
gpus:
  - match: {vendor-id: "10de", device-id: "1eb8"}
    framebuffer: 1G
    count: 1
)");
  REQUIRE(by_size);
  CHECK(by_size->empty());
  CHECK(by_size->notes ==
        std::vector<std::string>{"0000:af:00.0: framebuffer 1 GiB: GRID T4-1Q (nvidia-230, 1 GiB) "
                                 "is the smallest type with at least that much",
                                 "0000:af:00.0: GRID T4-1Q (nvidia-230): no change (1 running)"});
  // NVIDIA SR-IOV vGPU in heterogeneous mode: two types side by side, and a type with none.
  auto hetero = plan_on("gpu-l40s-hetero", R"(version: 1
gpus:
  - {gpu: "0000:ca:00.0", type: NVIDIA L40S-4Q, count: 2}
  - {gpu: "0000:ca:00.0", type: "1160", count: 1}
  - {gpu: "0000:ca:00.0", type: NVIDIA L40S-1B, count: 0}
)");
  REQUIRE(hetero);
  CHECK(hetero->empty());
  CHECK(hetero->notes.size() == 3);
}

TEST_CASE("missing instances are created, UUIDs stable, definitions with start",
          "[profile][gpus]") {
  auto plan = plan_on("gpu-t4", R"(version: 1
gpus:
  - gpu: af:00.0
    framebuffer: 1G
    count: 3
    uuids: ["11111111-2222-4333-8444-555555555555"]
)");
  REQUIRE(plan);
  // The running instance counts; the entry's UUID comes next, then a fresh one.
  CHECK(writes(*plan) ==
        std::vector<std::string>{
            "11111111-2222-4333-8444-555555555555 > " + kT4Types + "/nvidia-230/create",
            fresh(1) + " > " + kT4Types + "/nvidia-230/create"});
  CHECK(plan->summary == "apply p.yaml");

  test::ScratchHost host("gpu-t4");
  auto persistent = plan_at(host.path(), R"(version: 1
gpus:
  - {gpu: af:00.0, type: GRID T4-1Q, count: 2, start: auto}
)");
  REQUIRE(persistent);
  CHECK(actions(*persistent) ==
        std::vector<std::string>{"create-mdev " + fresh(1),
                                 "write-file /etc/mdevctl.d/0000:af:00.0/" + kRunning,
                                 "write-file /etc/mdevctl.d/0000:af:00.0/" + fresh(1)});
  const auto& def = persistent->steps[1].get<mdev::WriteConfigFile>();
  CHECK(def.to == definition("nvidia-230", true));
  CHECK_FALSE(def.from);
  CHECK(sriov::step_group(persistent->steps[1]) == "0000:af:00.0");  // one group per GPU

  // With the definitions there, the same profile plans nothing; start: manual rewrites them.
  fs::create_directories(host.path() / "etc/mdevctl.d/0000:af:00.0");
  std::ofstream(host.path() / "etc/mdevctl.d/0000:af:00.0" / kRunning)
      << definition("nvidia-230", true);
  auto defined = plan_at(host.path(),
                         "version: 1\ngpus:\n  - {gpu: af:00.0, type: nvidia-230, "
                         "count: 1, start: auto}\n");
  REQUIRE(defined);
  CHECK(defined->empty());
  auto manual = plan_at(host.path(),
                        "version: 1\ngpus:\n  - {gpu: af:00.0, type: nvidia-230, "
                        "count: 1, start: manual}\n");
  REQUIRE(manual);
  REQUIRE(manual->steps.size() == 1);
  const auto& rewrite = manual->steps[0].get<mdev::WriteConfigFile>();
  CHECK(rewrite.from == definition("nvidia-230", true));
  CHECK(rewrite.to == definition("nvidia-230", false));
  CHECK(sriov::describe(manual->steps[0]) == "rewrite mdevctl definition of " + kRunning);
}

TEST_CASE("UUID sources in order: running, the entry's, definitions, fresh", "[profile][gpus]") {
  Mbochs m;
  m.running("mbochs-large", kA, 10);
  m.defined("mbochs-large", kC, true);   // not running: started before a fresh UUID is made
  m.defined("mbochs-small", kD, false);  // another type: not this entry's
  auto plan = plan_at(m.tree.path(), fmt::format(R"(version: 1
gpus:
  - gpu: mbochs
    type: mbochs-large
    count: 4
    uuids: ["{}", "{}"]
)",
                                                 kA, kB));
  REQUIRE(plan);
  CHECK(actions(*plan) == std::vector<std::string>{"create-mdev " + kB, "create-mdev " + kC,
                                                   "create-mdev " + fresh(1)});
  // Transient: definitions are neither written nor removed.
  // With start: every instance is defined, and a definition beyond the count goes.
  auto fewer = plan_at(m.tree.path(),
                       "version: 1\ngpus:\n  - {gpu: mbochs, type: mbochs-large, count: 1, start: "
                       "manual}\n");
  REQUIRE(fewer);
  CHECK(actions(*fewer) == std::vector<std::string>{"remove-file /etc/mdevctl.d/mbochs/" + kC,
                                                    "write-file /etc/mdevctl.d/mbochs/" + kA});
  CHECK(sriov::disruption(fewer->steps[0]).empty());
  const auto& undefine = fewer->steps[0].get<mdev::WriteConfigFile>();
  CHECK(undefine.from == definition("mbochs-large", true));  // what an undo puts back
}

TEST_CASE("removing instances or changing a GPU's type needs --allow-disruption",
          "[profile][gpus]") {
  const std::string none = "version: 1\ngpus:\n  - {gpu: af:00.0, type: GRID T4-1Q, count: 0}\n";
  auto refused = plan_on("gpu-t4", none);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == sriov::Errc::refused);
  CHECK(refused.error().message ==
        "refusing to apply: 1 disruptive change:\np.yaml:3:5: GPU 0000:af:00.0: count 0 of GRID "
        "T4-1Q (nvidia-230) (1 running) removes 1 running instance (" +
            kRunning + "); pass --allow-disruption");
  auto allowed = plan_on("gpu-t4", none, true);
  REQUIRE(allowed);
  CHECK(writes(*allowed) ==
        std::vector<std::string>{"1 > /sys/bus/mdev/devices/" + kRunning + "/remove"});
  CHECK(sriov::disruption(allowed->steps[0]) ==
        "destroys vGPU " + kRunning + " (a VM using it loses it)");

  // GRID T4 vGPUs are time-sliced: one type per GPU, so 4Q replaces the running 1Q.
  const std::string change = "version: 1\ngpus:\n  - {gpu: af:00.0, framebuffer: 4G, count: 2}\n";
  auto change_refused = plan_on("gpu-t4", change);
  REQUIRE_FALSE(change_refused);
  CHECK_THAT(change_refused.error().message,
             Catch::Contains("p.yaml:3:5: GPU 0000:af:00.0: changing it from GRID T4-1Q to GRID "
                             "T4-4Q (nvidia-232), as it runs one vGPU type at a time, removes 1 "
                             "running instance (" +
                             kRunning + "); pass --allow-disruption"));
  auto changed = plan_on("gpu-t4", change, true);
  REQUIRE(changed);
  CHECK(actions(*changed) == std::vector<std::string>{"remove-mdev " + kRunning,
                                                      "create-mdev " + fresh(1),
                                                      "create-mdev " + fresh(2)});
  // available_instances of 4Q is 0 while 1Q runs: the room is the kernel's to judge.
  CHECK_THAT(changed->notes.back(), Catch::Contains("the room for new instances is not known"));
  auto too_many = plan_on("gpu-t4",
                          "version: 1\ngpus:\n  - {gpu: af:00.0, type: GRID T4-4Q, "
                          "count: 5}\n",
                          true);
  REQUIRE_FALSE(too_many);
  CHECK_THAT(too_many.error().message,
             Catch::Contains("p.yaml:3:45: count 5: GPU 0000:af:00.0 takes at most 4 of GRID "
                             "T4-4Q (nvidia-232) (max_instance)"));

  // An entry with count 0 for the old type and one for the new: the same change, stated.
  auto both = plan_on("gpu-t4", R"(version: 1
gpus:
  - {gpu: af:00.0, type: GRID T4-1Q, count: 0}
  - {gpu: af:00.0, type: GRID T4-4Q, count: 1}
)",
                      true);
  REQUIRE(both);
  CHECK(actions(*both) ==
        std::vector<std::string>{"remove-mdev " + kRunning, "create-mdev " + fresh(1)});

  // NVIDIA SR-IOV vGPU: removing is writing 0 to the VF's current_vgpu_type.
  auto vf =
      plan_on("gpu-l40s-hetero",
              "version: 1\ngpus:\n  - {gpu: ca:00.0, type: NVIDIA L40S-4Q, count: 1}\n", true);
  REQUIRE(vf);
  CHECK(writes(*vf) ==
        std::vector<std::string>{"0 > /sys/devices/pci0000:c9/0000:c9:00.0/0000:ca:00.5/nvidia/"
                                 "current_vgpu_type"});
}

TEST_CASE("an instance held open is never removed", "[profile][gpus]") {
  Mbochs m;
  m.running("mbochs-small", kA, 10);
  m.running("mbochs-small", kB, 11);
  m.running("mbochs-small", kC, 12);
  m.holder(4242, 10);
  // Count 2 of 3: the one to go is one nobody holds, and kA (held) stays.
  auto down = plan_at(m.tree.path(),
                      "version: 1\ngpus:\n  - {gpu: mbochs, type: mbochs-small, count: 2}\n", true);
  REQUIRE(down);
  CHECK(actions(*down) == std::vector<std::string>{"remove-mdev " + kC});
  auto none = plan_at(m.tree.path(),
                      "version: 1\ngpus:\n  - {gpu: mbochs, type: mbochs-small, count: 0}\n", true);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == sriov::Errc::refused);
  CHECK(none.error().message ==
        "refusing to apply: 1 disruptive change:\np.yaml:3:5: GPU mbochs: " + kA +
            " (mbochs-small) would be removed, but pid 4242 (qemu-system-x86) holds /dev/vfio/10; "
            "stop it first");
}

TEST_CASE("types share a pool on mbochs, a match counts per GPU", "[profile][gpus]") {
  Mbochs m(64);
  m.running("mbochs-medium", kA, 10);
  auto plan = plan_at(m.tree.path(), R"(version: 1
gpus:
  - {gpu: mbochs, framebuffer: 40M, count: 2}
  - {gpu: mbochs, type: mbochs-small, count: 1}
)");
  REQUIRE(plan);
  CHECK(writes(*plan) ==
        std::vector<std::string>{fresh(1) + " > " + kMbochs + "/mbochs-large/create",
                                 fresh(2) + " > " + kMbochs + "/mbochs-large/create",
                                 fresh(3) + " > " + kMbochs + "/mbochs-small/create"});
  CHECK(plan->notes.front() ==
        "mbochs: framebuffer 40 MiB: mbochs-large (64 MiB) is the smallest type with at least that "
        "much");

  auto t4x2 = plan_on("gpu-t4x2", R"(version: 1
gpus:
  - match: {vendor-id: "10de"}
    type: GRID T4-1Q
    count: 2
)");
  REQUIRE(t4x2);
  CHECK(actions(*t4x2) == std::vector<std::string>{"create-mdev " + fresh(1),
                                                   "create-mdev " + fresh(2),
                                                   "create-mdev " + fresh(3)});
  CHECK(t4x2->steps[0].get<mdev::CreateMdev>().parent == "0000:3b:00.0");
  CHECK(t4x2->steps[2].get<mdev::CreateMdev>().parent == "0000:af:00.0");

  auto vfs =
      plan_on("gpu-l40s", "version: 1\ngpus:\n  - {gpu: ca:00.0, framebuffer: 3G, count: 2}\n");
  REQUIRE(vfs);
  CHECK(writes(*vfs) ==
        std::vector<std::string>{
            "1157 > /sys/devices/pci0000:c9/0000:c9:00.0/0000:ca:00.4/nvidia/current_vgpu_type",
            "1157 > /sys/devices/pci0000:c9/0000:c9:00.0/0000:ca:00.5/nvidia/current_vgpu_type"});
}

TEST_CASE("host-dependent gpus errors name file:line:col and the GPU", "[profile][gpus]") {
  auto bad = plan_on("gpu-t4", R"(version: 1
gpus:
  - gpu: 3b:00.0
    type: nvidia-230
    count: 1
  - gpu: af:00.0
    type: GRID T4-5Q
    count: 1
  - gpu: af:00.0
    framebuffer: 32G
    count: 1
  - match: {vendor-id: "8086"}
    type: x
    count: 1
  - gpu: af:00.0
    type: GRID T4-1Q
    count: 16
  - gpu: af:00.0
    type: GRID T4-2Q
    count: 1
)");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code == sriov::Errc::invalid_input);
  const auto& m = bad.error().message;
  INFO(m);
  CHECK_THAT(m, Catch::StartsWith("the profile has 5 errors:\n"));
  CHECK_THAT(m, Catch::Contains("p.yaml:3:5: gpu: no vGPU-capable GPU or mdev parent "
                                "'0000:3b:00.0' (known: 0000:af:00.0; see 'vgpuctl list')"));
  CHECK_THAT(m, Catch::Contains("p.yaml:7:11: type 'GRID T4-5Q': GPU 0000:af:00.0 offers no such "
                                "type (GRID T4-1Q, GRID T4-1B, "));
  CHECK_THAT(m, Catch::Contains("p.yaml:10:18: framebuffer 32 GiB: no type of GPU 0000:af:00.0 "
                                "has that much (the largest is GRID T4-16Q (nvidia-234) with 16 "
                                "GiB)"));
  CHECK_THAT(m, Catch::Contains("p.yaml:12:5: match {vendor-id: 8086} matches no vGPU-capable "
                                "GPU of this host (GPUs: 0000:af:00.0 [10de:1eb8])"));
  CHECK_THAT(m, Catch::Contains("p.yaml:18:5: GPU 0000:af:00.0 runs one vGPU type at a time: this "
                                "entry gives it GRID T4-2Q (nvidia-231), the entry at p.yaml:15:5 "
                                "GRID T4-1Q (nvidia-230)"));

  auto room = plan_on("gpu-l40s",
                      "version: 1\ngpus:\n  - {gpu: ca:00.0, type: \"1158\", count: "
                      "5}\n");
  REQUIRE_FALSE(room);
  CHECK_THAT(room.error().message,
             Catch::Contains("p.yaml:3:41: count 5: GPU 0000:ca:00.0 has room for 4 more NVIDIA "
                             "L40S-4Q (1158), not 5 (0 running)"));
  auto twice = plan_on("gpu-t4", R"(version: 1
gpus:
  - {gpu: af:00.0, type: nvidia-230, count: 1}
  - {match: {device-id: "1eb8"}, type: GRID T4-1Q, count: 2}
)");
  REQUIRE_FALSE(twice);
  CHECK_THAT(twice.error().message,
             Catch::Contains("p.yaml:4:5: GPU 0000:af:00.0: GRID T4-1Q (nvidia-230) is also "
                             "configured by the entry at p.yaml:3:5"));
  auto vf =
      plan_on("gpu-l40s", "version: 1\ngpus:\n  - {gpu: ca:00.5, type: \"1158\", count: 1}\n");
  REQUIRE_FALSE(vf);
  CHECK_THAT(vf.error().message,
             Catch::Contains("p.yaml:3:5: gpu: ca:00.5 is a VF of GPU 0000:ca:00.0, and an entry "
                             "counts the instances of a whole GPU: name the GPU"));
  auto vfio = plan_on("gpu-l40s", R"(version: 1
gpus:
  - gpu: ca:00.0
    type: NVIDIA L40S-4Q
    count: 1
    start: auto
    uuids: ["11111111-2222-4333-8444-555555555555"]
)");
  REQUIRE_FALSE(vfio);
  CHECK_THAT(vfio.error().message,
             Catch::Contains("p.yaml:6:12: start: GPU 0000:ca:00.0 (nvidia-vfio) makes its vGPUs "
                             "on VFs, without mdev: there is nothing for mdevctl to define; drop "
                             "start"));
  CHECK_THAT(vfio.error().message,
             Catch::Contains("p.yaml:7:12: uuids: the vGPUs of GPU 0000:ca:00.0 (nvidia-vfio) are "
                             "named by their VF addresses, not by UUIDs; drop uuids"));
}

TEST_CASE("UUIDs that are taken elsewhere are errors at their position", "[profile][gpus]") {
  Mbochs m;
  m.running("mbochs-small", kA, 10);
  m.defined("mbochs-medium", kB, false);
  auto plan = plan_at(m.tree.path(), fmt::format(R"(version: 1
gpus:
  - gpu: mbochs
    type: mbochs-large
    count: 2
    uuids: ["{}", "{}"]
)",
                                                 kA, kB));
  REQUIRE_FALSE(plan);
  const auto& msg = plan.error().message;
  INFO(msg);
  CHECK_THAT(msg, Catch::Contains("p.yaml:6:13: " + kA +
                                  " is running already as mbochs-small on "
                                  "mbochs"));
  CHECK_THAT(msg, Catch::Contains("p.yaml:6:" + std::to_string(13 + 36 + 4) + ": " + kB +
                                  " is defined as mbochs-medium on mbochs (/etc/mdevctl.d/mbochs/" +
                                  kB + "): undefine it, or leave it out of uuids"));
  // A definition with attributes cannot be started by sriovctl.
  Mbochs a;
  a.tree.file("etc/mdevctl.d/mbochs/" + kC,
              R"({"mdev_type": "mbochs-large", "start": "auto", "attrs": [{"x": "1"}]})");
  auto attrs = plan_at(a.tree.path(),
                       "version: 1\ngpus:\n  - {gpu: mbochs, type: mbochs-large, count: 1}\n");
  REQUIRE_FALSE(attrs);
  CHECK_THAT(attrs.error().message,
             Catch::Contains("has attributes, which sriovctl does not apply"));
}

TEST_CASE("profile_gpus_present waits for every entry's GPU", "[profile][gpus]") {
  sriov::Sysfs sysfs(test::fixture("gpu-t4"));
  auto host = scan_vgpu_host(sysfs);
  REQUIRE(host);
  auto some = mdev::parse_profile(
      "version: 1\ngpus:\n  - {gpu: af:00.0, type: x, count: 1}\n  - {gpu: mbochs, type: x, "
      "count: 1}\n",
      "p.yaml");
  REQUIRE(some);
  CHECK_FALSE(profile_gpus_present(*host, *some));
  some->gpus.pop_back();
  CHECK(profile_gpus_present(*host, *some));
  CHECK(select_gpus(*host, some->gpus[0].select).size() == 1);
}

TEST_CASE("a type change keeps the UUIDs the entry names, definitions rewritten",
          "[profile][gpus]") {
  test::ScratchHost host("gpu-t4");
  fs::create_directories(host.path() / "etc/mdevctl.d/0000:af:00.0");
  std::ofstream(host.path() / "etc/mdevctl.d/0000:af:00.0" / kRunning)
      << definition("nvidia-230", true);
  const std::string profile =
      "version: 1\ngpus:\n  - {gpu: af:00.0, type: GRID T4-2Q, count: "
      "2, start: auto, uuids: [" +
      kRunning + "]}\n";
  auto plan = plan_at(host.path(), profile, true);
  REQUIRE(plan);
  CHECK(actions(*plan) ==
        std::vector<std::string>{"remove-mdev " + kRunning, "create-mdev " + kRunning,
                                 "create-mdev " + fresh(1),
                                 "write-file /etc/mdevctl.d/0000:af:00.0/" + kRunning,
                                 "write-file /etc/mdevctl.d/0000:af:00.0/" + fresh(1)});
  CHECK(plan->steps[1].get<mdev::CreateMdev>().type_id == "nvidia-231");
  const auto& rewrite = plan->steps[3].get<mdev::WriteConfigFile>();
  CHECK(rewrite.from == definition("nvidia-230", true));
  CHECK(rewrite.to == definition("nvidia-231", true));
  // Transient, the old definition would contradict the new instance: an error.
  std::string transient = profile;
  transient.replace(transient.find(", start: auto"), 13, "");
  auto refused = plan_at(host.path(), transient, true);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message,
             Catch::Contains(kRunning + " is defined as nvidia-230 on 0000:af:00.0"));
}
