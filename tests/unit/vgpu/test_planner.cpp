// The vGPU planner: a pure function of (request, host model) -> plan or a reason.
#include <fmt/format.h>

#include <catch2/catch.hpp>

#include "helpers.hpp"
#include "mdev/planner.hpp"
#include "mdev/size.hpp"
#include "vgpu_helpers.hpp"

using namespace mdev;

namespace {

VgpuHost host_of(const std::string& fixture) {
  sriov::Sysfs sysfs(test::fixture(fixture));
  auto host = scan_vgpu_host(sysfs);
  if (!host) FAIL(host.error().message);
  return *host;
}

std::vector<std::string> spare(unsigned n) {
  std::vector<std::string> out;
  for (unsigned i = 0; i < n; ++i)
    out.push_back(fmt::format("00000000-0000-4000-8000-{:012x}", i + 1));
  return out;
}

VgpuRequest by_size(unsigned count, uint64_t size) {
  VgpuRequest r;
  r.count = count;
  r.min_framebuffer = size;
  r.spare_uuids = spare(count);
  return r;
}

std::vector<std::string> writes(const sriov::Plan& plan) {
  std::vector<std::string> out;
  for (const auto& step : plan.steps)
    for (const auto& w : sriov::planned_writes(step)) out.push_back(w.value + " > " + w.path);
  return out;
}

const std::string kT4Types =
    "/sys/devices/pci0000:ae/0000:ae:00.0/0000:af:00.0/mdev_supported_types";

}  // namespace

TEST_CASE("the smallest type that fits, on the GPU that already runs it", "[planner]") {
  auto host = host_of("gpu-t4");
  auto plan = plan_create(host, by_size(2, 1 * kGiB));
  REQUIRE(plan);
  CHECK(plan->type_id == "nvidia-230");  // 1Q and 1B are both 1 GiB; only 1Q can join 1Q
  CHECK(plan->framebuffer == 1 * kGiB);
  CHECK(writes(plan->plan) ==
        std::vector<std::string>{
            "00000000-0000-4000-8000-000000000001 > " + kT4Types + "/nvidia-230/create",
            "00000000-0000-4000-8000-000000000002 > " + kT4Types + "/nvidia-230/create"});
  CHECK(plan->plan.summary ==
        "create 2 vGPUs of type GRID T4-1Q (nvidia-230, 1 GiB) on 0000:af:00.0");
  CHECK(plan->plan.notes ==
        std::vector<std::string>{"GRID T4-1Q is the smallest type with at least 1 GiB that fits"});
  REQUIRE(plan->placements.size() == 2);
  CHECK(plan->placements[1].instance == "00000000-0000-4000-8000-000000000002");

  // On an empty GPU the smallest size wins, Q before B at equal size.
  auto t4x2 = host_of("gpu-t4x2");
  auto small = plan_create(t4x2, by_size(1, 1500 * kMiB));
  REQUIRE(small);
  CHECK(small->type_name == "GRID T4-2Q");
  CHECK(small->placements[0].gpu == "0000:3b:00.0");  // 0000:af:00.0 runs 1Q: cannot mix
}

TEST_CASE("mixing is refused with the reason", "[planner]") {
  auto host = host_of("gpu-t4");
  auto plan = plan_create(host, by_size(1, 4 * kGiB));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == sriov::Errc::refused);
  CHECK(plan.error().message ==
        "cannot place 1 vGPU of at least 4 GiB: GRID T4-4Q (nvidia-232): GPU 0000:af:00.0 "
        "already runs GRID T4-1Q; GRID T4-4Q cannot be mixed (time-sliced vGPUs on one GPU "
        "share one type unless the GPU is in heterogeneous mode) (nor do the other types of that "
        "size or larger: GRID T4-4C, GRID T4-16Q)");
  // An explicit type the GPU cannot take, even if a driver claimed otherwise.
  VgpuRequest r;
  r.type = "GRID T4-2Q";
  auto typed = plan_create(host, r);
  REQUIRE_FALSE(typed);
  CHECK_THAT(
      typed.error().message,
      Catch::Contains("GPU 0000:af:00.0 already runs GRID T4-1Q; GRID T4-2Q cannot be mixed"));
}

TEST_CASE("not enough capacity is refused with the numbers", "[planner]") {
  auto host = host_of("gpu-t4");
  auto plan = plan_create(host, by_size(16, 1 * kGiB));
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == sriov::Errc::refused);
  CHECK_THAT(plan.error().message,
             Catch::StartsWith("cannot place 16 vGPUs of at least 1 GiB: GRID T4-1Q "
                               "(nvidia-230): 15 fit on 0000:af:00.0; 15 in all, 16 requested"));
  auto l40s = host_of("gpu-l40s");
  auto vfs = plan_create(l40s, by_size(5, 5 * kGiB));
  REQUIRE_FALSE(vfs);
  CHECK_THAT(vfs.error().message,
             Catch::StartsWith("cannot place 5 vGPUs of at least 5 GiB: NVIDIA L40S-6Q (1159): 4 "
                               "fit on 0000:ca:00.0; 4 in all, 5 requested"));
}

TEST_CASE("placement spans GPUs, filling the one that runs the type first", "[planner]") {
  auto host = host_of("gpu-t4x2");
  auto plan = plan_create(host, by_size(20, 1 * kGiB));
  REQUIRE(plan);
  CHECK(plan->type_id == "nvidia-230");
  REQUIRE(plan->placements.size() == 20);
  CHECK(plan->placements.front().gpu == "0000:af:00.0");
  CHECK(plan->placements[14].gpu == "0000:af:00.0");
  CHECK(plan->placements[15].gpu == "0000:3b:00.0");
  CHECK(plan->plan.summary ==
        "create 20 vGPUs of type GRID T4-1Q (nvidia-230, 1 GiB) on 0000:af:00.0 (15), "
        "0000:3b:00.0 (5)");
}

TEST_CASE("the NUMA filter and the GPU filter", "[planner]") {
  auto host = host_of("gpu-t4x2");
  auto node0 = by_size(2, 4 * kGiB);
  node0.numa_node = 0;
  auto plan = plan_create(host, node0);
  REQUIRE(plan);
  CHECK(plan->type_name == "GRID T4-4Q");
  CHECK(plan->placements[0].gpu == "0000:3b:00.0");

  auto node1 = by_size(2, 4 * kGiB);
  node1.numa_node = 1;
  auto refused = plan_create(host, node1);
  REQUIRE_FALSE(refused);
  CHECK_THAT(refused.error().message,
             Catch::StartsWith("cannot place 2 vGPUs of at least 4 GiB on NUMA node 1: GRID "
                               "T4-4Q (nvidia-232): GPU 0000:af:00.0 already runs GRID T4-1Q; "
                               "GRID T4-4Q cannot be mixed"));

  auto node2 = by_size(1, 1 * kGiB);
  node2.numa_node = 2;
  auto none = plan_create(host, node2);
  REQUIRE_FALSE(none);
  CHECK(none.error().code == sriov::Errc::not_found);
  CHECK(none.error().message ==
        "no GPU that can create vGPUs on NUMA node 2 (GPUs: 0000:3b:00.0 on node 0, "
        "0000:af:00.0 on node 1)");

  auto only = by_size(1, 1 * kGiB);
  only.within = {"0000:3b:00.0"};
  auto on = plan_create(host, only);
  REQUIRE(on);
  CHECK(on->placements[0].gpu == "0000:3b:00.0");
}

TEST_CASE("no type large enough, unknown type, class filter", "[planner]") {
  auto host = host_of("gpu-l40s");
  auto big = plan_create(host, by_size(1, 64 * kGiB));
  REQUIRE_FALSE(big);
  CHECK(big.error().code == sriov::Errc::not_found);
  CHECK(big.error().message ==
        "no vGPU type with at least 64 GiB on 0000:ca:00.0 (the largest is NVIDIA L40S-48Q with "
        "48 GiB on 0000:ca:00.0)");
  VgpuRequest typed;
  typed.type = "NVIDIA L40S-5Q";
  CHECK(plan_create(host, typed).error().code == sriov::Errc::not_found);
  auto compute = by_size(2, 1 * kGiB);
  compute.profile_class = 'C';
  auto c = plan_create(host, compute);
  REQUIRE(c);
  CHECK(c->type_name == "NVIDIA L40S-4C");
}

TEST_CASE("NVIDIA SR-IOV vGPU: one VF per instance, by type id", "[planner]") {
  auto host = host_of("gpu-l40s");
  VgpuRequest r;
  r.type = "1158";
  r.count = 2;
  auto plan = plan_create(host, r);
  REQUIRE(plan);
  const std::string vfs = "/sys/devices/pci0000:c9/0000:c9:00.0/0000:ca:00.";
  CHECK(writes(plan->plan) ==
        std::vector<std::string>{"1158 > " + vfs + "4/nvidia/current_vgpu_type",
                                 "1158 > " + vfs + "5/nvidia/current_vgpu_type"});
  CHECK(plan->placements[1].instance == "0000:ca:00.5");
  r.uuids = {"00000000-0000-4000-8000-00000000000a"};
  auto with_uuid = plan_create(host, r);
  REQUIRE_FALSE(with_uuid);
  CHECK_THAT(with_uuid.error().message, Catch::Contains("have no UUID"));

  // Heterogeneous mode: free VFs still list every type, so a new size can join.
  auto hetero = host_of("gpu-l40s-hetero");
  CHECK(hetero.gpus[0].mixing == Mixing::any);
  auto mixed = plan_create(hetero, by_size(5, 16 * kGiB));
  REQUIRE(mixed);
  CHECK(mixed->type_name == "NVIDIA L40S-16Q");
  CHECK(mixed->placements.front().slot == "0000:ca:00.7");
  CHECK(mixed->placements.back().slot == "0000:ca:01.3");
  CHECK_FALSE(plan_create(hetero, by_size(6, 1 * kGiB)));
}

TEST_CASE("GVT-g and mbochs draw on one pool per parent", "[planner]") {
  auto gvt = host_of("igpu-gvtg");
  auto two = plan_create(gvt, by_size(2, 256 * kMiB));
  REQUIRE(two);
  CHECK(two->type_id == "i915-GVTg_V5_8");
  CHECK_FALSE(plan_create(gvt, by_size(3, 256 * kMiB)));

  vtest::FakeTree tree;
  tree.mbochs(1024, 0);
  sriov::Sysfs sysfs(tree.path());
  auto host = scan_vgpu_host(sysfs);
  REQUIRE(host);
  auto sixteen = plan_create(*host, by_size(16, 64 * kMiB));
  REQUIRE(sixteen);
  CHECK(sixteen->type_id == "mbochs-large");
  CHECK(sixteen->plan.steps.size() == 16);
  auto seventeen = plan_create(*host, by_size(17, 64 * kMiB));
  REQUIRE_FALSE(seventeen);
  CHECK(seventeen.error().message ==
        "cannot place 17 vGPUs of at least 64 MiB: mbochs-large: 16 fit on mbochs; 16 in all, "
        "17 requested");
  auto medium = plan_create(*host, by_size(1, 5 * kMiB));
  REQUIRE(medium);
  CHECK(medium->type_id == "mbochs-medium");
}

TEST_CASE("UUIDs: given ones first, duplicates and existing ones refused", "[planner]") {
  auto host = host_of("gpu-t4");
  auto r = by_size(2, 1 * kGiB);
  r.uuids = {"11111111-2222-4333-8444-555555555555"};
  auto plan = plan_create(host, r);
  REQUIRE(plan);
  CHECK(plan->placements[0].instance == "11111111-2222-4333-8444-555555555555");
  CHECK(plan->placements[1].instance == "00000000-0000-4000-8000-000000000001");
  r.uuids = {"c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01"};
  auto exists = plan_create(host, r);
  REQUIRE_FALSE(exists);
  CHECK(exists.error().code == sriov::Errc::refused);
  CHECK(exists.error().message ==
        "an mdev with UUID c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01 exists already (GRID T4-1Q on "
        "0000:af:00.0)");
  r.uuids = {"11111111-2222-4333-8444-555555555555", "11111111-2222-4333-8444-555555555555"};
  CHECK(plan_create(host, r).error().code == sriov::Errc::invalid_input);
}

TEST_CASE("remove plans: mdev by UUID, NVIDIA VFs back to 0, unknown ids", "[planner]") {
  auto host = host_of("gpu-t4");
  auto plan = plan_remove(host, {"C0FFEE00-7A3E-4D2B-9A51-2F6F3C3D1E01"});
  REQUIRE(plan);
  CHECK(writes(*plan) ==
        std::vector<std::string>{
            "1 > /sys/bus/mdev/devices/c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01/remove"});
  const auto& step = plan->steps[0].get<mdev::RemoveMdev>();
  CHECK(step.type_path == kT4Types + "/nvidia-230");  // what an undo recreates
  auto unknown = plan_remove(host, {"c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e02"});
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == sriov::Errc::not_found);
  CHECK(plan_remove(host, {"nonsense"}).error().code == sriov::Errc::invalid_input);

  auto hetero = host_of("gpu-l40s-hetero");
  auto target = find_target(hetero, "ca:00.0");
  REQUIRE(target);
  auto all = plan_remove_all(hetero, *target);
  REQUIRE(all);
  REQUIRE(all->steps.size() == 3);
  const auto& v = all->steps[2].get<mdev::SetVgpuType>();
  CHECK(v.vf == "0000:ca:00.6");
  CHECK(v.from == 1160);
  CHECK(v.to == 0);
  CHECK(all->summary == "remove every vGPU on 0000:ca:00.0 (3 instances)");
}

TEST_CASE("find_target: full and short addresses, names, VFs", "[host]") {
  auto host = host_of("gpu-l40s-hetero");
  CHECK(find_target(host, "0000:ca:00.0")->gpu->id == "0000:ca:00.0");
  CHECK(find_target(host, "ca:00.0")->slot == nullptr);
  auto vf = find_target(host, "ca:00.7");
  REQUIRE(vf);
  CHECK(vf->slot->id == "0000:ca:00.7");
  CHECK(vf->id() == "0000:ca:00.7");
  CHECK(find_target(host, "ca:00.x").error().code == sriov::Errc::invalid_input);
  auto missing = find_target(host, "mbochs");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message ==
        "no vGPU-capable GPU or mdev parent 'mbochs' (known: 0000:ca:00.0; see 'vgpuctl list')");
}
