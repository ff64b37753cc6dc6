// Every vendor handler's parsing, from strings and from trees (kernel samples, missing files).
#include <catch2/catch.hpp>

#include "mdev/handler.hpp"
#include "mdev/parse.hpp"
#include "mdev/planner.hpp"
#include "mdev/size.hpp"
#include "vgpu_helpers.hpp"

using namespace mdev;

namespace {

MdevType raw(std::string id, std::optional<std::string> name, std::optional<std::string> desc,
             std::optional<unsigned> available = std::nullopt) {
  MdevType t;
  t.id = std::move(id);
  t.name = std::move(name);
  t.description = std::move(desc);
  t.available = available;
  return t;
}

std::optional<std::string> fact(const Facts& facts, const std::string& key) {
  for (const auto& [k, v] : facts)
    if (k == key) return v;
  return std::nullopt;
}

}  // namespace

TEST_CASE("NVIDIA mdev: the T4 description list", "[vendor][nvidia]") {
  auto t = nvidia_mdev_type(raw("nvidia-232", "GRID T4-4Q",
                                "num_heads=4, frl_config=60, framebuffer=4096M, "
                                "max_resolution=7680x4320, max_instance=4",
                                0));
  CHECK(t.id == "nvidia-232");
  CHECK(t.name == "GRID T4-4Q");
  CHECK(t.framebuffer == 4 * kGiB);
  CHECK(t.heads == 4u);
  CHECK(t.max_resolution == "7680x4320");
  CHECK(t.max_instances == 4u);
  CHECK(t.profile_class == 'Q');
  CHECK(t.available == 0u);
  CHECK(t.vendor == Facts{{"frl_config", "60"}});
}

TEST_CASE("NVIDIA mdev: descriptions are parsed leniently", "[vendor][nvidia]") {
  // Missing fields stay unknown; odd spacing, unknown keys and junk parts are tolerated.
  auto t = nvidia_mdev_type(
      raw("nvidia-500", "NVIDIA A100-4C", " num_heads = 1 ,junk, ecc=1,framebuffer=4000M\n"));
  CHECK(t.framebuffer == 4000 * kMiB);  // the driver's number wins over the name's
  CHECK(t.heads == 1u);
  CHECK_FALSE(t.max_instances);
  CHECK_FALSE(t.max_resolution);
  CHECK(t.profile_class == 'C');
  CHECK(t.vendor == Facts{{"ecc", "1"}});
  // No description at all: framebuffer from the name.
  auto bare = nvidia_mdev_type(raw("nvidia-501", "GRID P40-24Q", std::nullopt));
  CHECK(bare.framebuffer == 24 * kGiB);
  CHECK_FALSE(bare.heads);
  // No name file: the type id stands in, nothing guessed.
  auto anon = nvidia_mdev_type(raw("nvidia-502", std::nullopt, "max_instance=2"));
  CHECK(anon.name == "nvidia-502");
  CHECK_FALSE(anon.framebuffer);
  CHECK_FALSE(anon.profile_class);
  CHECK(anon.max_instances == 2u);
}

TEST_CASE("NVIDIA type names give class and framebuffer", "[vendor][nvidia]") {
  struct Case {
    const char* name;
    std::optional<char> cls;
    std::optional<uint64_t> fb;
  } cases[] = {
      {"GRID T4-1Q", 'Q', 1 * kGiB},
      {"NVIDIA L40S-48C", 'C', 48 * kGiB},
      {"GRID M60-0B", 'B', 512 * kMiB},
      {"NVIDIA A100-1-5C", 'C', 5 * kGiB},
      {"NVIDIA A16-2A", 'A', 2 * kGiB},
      {"NVIDIA A100-1-5CME", 'C', 5 * kGiB},
      {"GRID K120Q", 'Q', std::nullopt},
      {"NVIDIA L40S", std::nullopt, std::nullopt},
      {"NVIDIA L40S-4X", std::nullopt, std::nullopt},
      {"", std::nullopt, std::nullopt},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto p = parse_nvidia_type_name(c.name);
    CHECK(p.profile_class == c.cls);
    CHECK(p.framebuffer == c.fb);
  }
}

TEST_CASE("NVIDIA creatable_vgpu_types with and without the header", "[vendor][nvidia]") {
  auto with = parse_creatable_vgpu_types(
      "ID    : vGPU Name\n1155  : NVIDIA L40S-1Q\n"
      "1158  : NVIDIA L40S-4Q\n");
  REQUIRE(with.size() == 2);
  CHECK(with[0].id == 1155);
  CHECK(with[0].name == "NVIDIA L40S-1Q");
  CHECK(with[1].id == 1158);
  auto without = parse_creatable_vgpu_types("1155 : NVIDIA L40S-1Q\n1186 : NVIDIA L40S-48C");
  REQUIRE(without.size() == 2);
  CHECK(without[1].id == 1186);
  CHECK(without[1].name == "NVIDIA L40S-48C");
  CHECK(parse_creatable_vgpu_types("ID    : vGPU Name\n").empty());  // a VF with a vGPU
  CHECK(parse_creatable_vgpu_types("").empty());
  CHECK(parse_creatable_vgpu_types("abc : x\n0 : zero\n12 :\n7: NVIDIA X-1Q").size() == 1);
}

TEST_CASE("GVT-g: the multi-line description", "[vendor][gvtg]") {
  auto t = gvtg_type(raw("i915-GVTg_V5_4", "GVTg_V5_4",
                         "low_gm_size: 128MB\nhigh_gm_size: 512MB\nfence: 4\n"
                         "resolution: 1920x1200\nweight: 4",
                         1));
  CHECK(t.framebuffer == 640 * kMiB);
  CHECK(t.max_resolution == "1920x1200");
  CHECK(t.available == 1u);
  CHECK(fact(t.vendor, "weight") == "4");
  CHECK(fact(t.vendor, "fence") == "4");
  CHECK(fact(t.vendor, "low_gm_size") == "128MB");
  CHECK_FALSE(t.profile_class);
  auto partial = gvtg_type(raw("i915-GVTg_V4_2", std::nullopt, "low_gm_size: 256MB\n"));
  CHECK_FALSE(partial.framebuffer);  // half the memory is not the memory
  CHECK(partial.name == "i915-GVTg_V4_2");
}

TEST_CASE("mbochs: framebuffer from 'N MB video memory'", "[vendor][samples]") {
  CHECK(parse_mbochs_description("virtual display, 64 MB video memory") == 64 * kMiB);
  CHECK(parse_mbochs_description("virtual display, 4 MB video memory\n") == 4 * kMiB);
  CHECK_FALSE(parse_mbochs_description("virtual display"));
  auto t =
      mbochs_type(raw("mbochs-medium", "mbochs-medium", "virtual display, 16 MB video memory", 64));
  CHECK(t.framebuffer == 16 * kMiB);
  CHECK(t.max_resolution == "1920x1440");
  CHECK(t.heads == 1u);
  CHECK(mbochs_type(raw("mbochs-large", "mbochs-large", std::nullopt)).framebuffer == std::nullopt);
}

TEST_CASE("mdpy: resolution and the power-of-two framebuffer", "[vendor][samples]") {
  CHECK(parse_mdpy_description("virtual display, 1024x768 framebuffer") ==
        std::pair<unsigned, unsigned>{1024, 768});
  CHECK_FALSE(parse_mdpy_description("virtual display"));
  CHECK(
      mdpy_type(raw("mdpy-vga", "mdpy-vga", "virtual display, 640x480 framebuffer")).framebuffer ==
      2 * kMiB);
  CHECK(
      mdpy_type(raw("mdpy-xga", "mdpy-xga", "virtual display, 1024x768 framebuffer")).framebuffer ==
      4 * kMiB);
  auto hd = mdpy_type(raw("mdpy-hd", "mdpy-hd", "virtual display, 1920x1080 framebuffer"));
  CHECK(hd.framebuffer == 8 * kMiB);  // 1920x1080x4 = 7.9 MiB -> 8 MiB
  CHECK(hd.max_resolution == "1920x1080");
}

TEST_CASE("the kernel samples as the kernel lays them out, mtty without description",
          "[vendor][samples][host]") {
  vtest::FakeTree tree;
  tree.mbochs(1024, 64);
  tree.virtual_parent("mtty", {{"mtty-1", "Single port serial", std::nullopt, "24"},
                               {"mtty-2", "Dual port serial", std::nullopt, "12"}});
  tree.virtual_parent("mdpy",
                      {{"mdpy-hd", "mdpy-hd", "virtual display, 1920x1080 framebuffer", "4"},
                       {"mdpy-vga", "mdpy-vga", "virtual display, 640x480 framebuffer", "4"},
                       {"mdpy-xga", "mdpy-xga", "virtual display, 1024x768 framebuffer", "4"}});
  tree.instance("mbochs", "mbochs-large", "4b1f3c2a-0000-4000-8000-00000000a001");
  sriov::Sysfs sysfs(tree.path());
  auto host = scan_vgpu_host(sysfs);
  REQUIRE(host);
  REQUIRE(host->gpus.size() == 3);
  const auto* mbochs = host->find_gpu("mbochs");
  REQUIRE(mbochs);
  CHECK(mbochs->handler == "mbochs");
  CHECK(mbochs->backend == Backend::mdev);
  CHECK(mbochs->mixing == Mixing::any);
  CHECK_FALSE(mbochs->address);
  CHECK_FALSE(mbochs->numa_node);
  REQUIRE(mbochs->types.size() == 3);
  CHECK(mbochs->types[0].id == "mbochs-small");  // smallest first
  CHECK(mbochs->types[2].framebuffer == 64 * kMiB);
  CHECK(mbochs->types[2].available == 15u);
  REQUIRE(mbochs->instances.size() == 1);
  CHECK(mbochs->instances[0].type_name == "mbochs-large");
  CHECK(mbochs->instances[0].slot == "mbochs");
  CHECK(mbochs->instances[0].type_path ==
        "/sys/devices/virtual/mbochs/mbochs/mdev_supported_types/mbochs-large");

  const auto* mtty = host->find_gpu("mtty");
  REQUIRE(mtty);
  CHECK(mtty->handler == "mtty");
  REQUIRE(mtty->types.size() == 2);
  CHECK(mtty->types[0].name == "Dual port serial");  // no framebuffer: by name
  CHECK_FALSE(mtty->types[0].description);
  CHECK_FALSE(mtty->types[0].framebuffer);
  CHECK(fact(mtty->types[1].vendor, "ports") == "1");
  CHECK(host->find_gpu("mdpy")->handler == "mdpy");
}

TEST_CASE("every per-type file is optional", "[vendor][host]") {
  vtest::FakeTree tree;
  tree.virtual_parent("odd", {{"odd-1", std::nullopt, std::nullopt, std::nullopt, std::nullopt},
                              {"odd-2", "Two", "free text", "x", "vfio-ccw"}});
  sriov::Sysfs sysfs(tree.path());
  auto host = scan_vgpu_host(sysfs);
  REQUIRE(host);
  REQUIRE(host->gpus.size() == 1);
  const auto& g = host->gpus[0];
  CHECK(g.handler == "mdev");  // the generic handler claims what no vendor knows
  REQUIRE(g.types.size() == 2);
  const auto* one = g.find_type("odd-1");
  REQUIRE(one);
  CHECK(one->name == "odd-1");
  CHECK_FALSE(one->available);
  CHECK_FALSE(one->device_api);
  CHECK_FALSE(one->description);
  const auto* two = g.find_type("Two");
  REQUIRE(two);
  CHECK_FALSE(two->available);  // "x" is not a count
  CHECK(two->device_api == "vfio-ccw");
  CHECK(two->description == "free text");
}

TEST_CASE("handlers come from one explicit list, generic last", "[vendor]") {
  const auto& list = handlers();
  REQUIRE(list.size() == 8);
  CHECK(list.back()->name() == "mdev");
  for (const char* name : {"nvidia-mdev", "nvidia-vfio", "intel-gvt-g", "intel-xe", "mbochs",
                           "mdpy", "mtty", "mdev"}) {
    INFO(name);
    REQUIRE(find_handler(name));
    CHECK_FALSE(find_handler(name)->summary().empty());
  }
  CHECK_FALSE(find_handler("amd"));
}

TEST_CASE("NVIDIA SR-IOV vGPU: per-VF lists, homogeneous until a type runs", "[vendor][nvidia]") {
  // Three VFs: VF0 runs 1158 (its list shows only the header), VF1 and VF2 are free; in
  // homogeneous mode the driver lists only the running type on them.
  vtest::FakeTree tree;
  std::string pf = "sys/devices/pci0000:c9/0000:c9:00.0/0000:ca:00.0";
  tree.file(pf + "/vendor", "0x10de\n");
  tree.file(pf + "/device", "0x26b9\n");
  tree.file(pf + "/class", "0x030200\n");
  tree.file(pf + "/numa_node", "1\n");
  tree.file(pf + "/sriov_totalvfs", "32\n");
  tree.file(pf + "/sriov_numvfs", "3\n");
  tree.dir("sys/bus/pci/drivers/nvidia");
  tree.link(pf + "/driver", "sys/bus/pci/drivers/nvidia");
  tree.link("sys/bus/pci/devices/0000:ca:00.0", pf);
  const char* lists[] = {"ID    : vGPU Name\n", "ID    : vGPU Name\n1158  : NVIDIA L40S-4Q\n",
                         "1158 : NVIDIA L40S-4Q\n"};
  for (int i = 0; i < 3; ++i) {
    std::string vf = "sys/devices/pci0000:c9/0000:c9:00.0/0000:ca:00." + std::to_string(4 + i);
    tree.file(vf + "/vendor", "0x10de\n");
    tree.file(vf + "/device", "0x26b9\n");
    tree.file(vf + "/class", "0x030200\n");
    tree.file(vf + "/nvidia/creatable_vgpu_types", lists[i]);
    tree.file(vf + "/nvidia/current_vgpu_type", i == 0 ? "1158\n" : "0\n");
    tree.link(vf + "/physfn", pf);
    tree.link(vf + "/driver", "sys/bus/pci/drivers/nvidia");
    tree.link(pf + "/virtfn" + std::to_string(i), vf);
    tree.link("sys/bus/pci/devices/0000:ca:00." + std::to_string(4 + i), vf);
  }
  sriov::Sysfs sysfs(tree.path());
  auto host = scan_vgpu_host(sysfs);
  REQUIRE(host);
  REQUIRE(host->gpus.size() == 1);
  const auto& g = host->gpus[0];
  CHECK(g.handler == "nvidia-vfio");
  CHECK(g.backend == Backend::nvidia_vfio);
  CHECK(g.mixing == Mixing::same_type);
  CHECK(g.numa_node == 1);
  REQUIRE(g.slots.size() == 3);
  CHECK(g.slots[0].current_type == 1158);
  CHECK(g.slots[0].offers.empty());
  REQUIRE(g.types.size() == 1);
  CHECK(g.types[0].id == "1158");
  CHECK(g.types[0].available == 2u);
  CHECK(g.types[0].framebuffer == 4 * kGiB);
  REQUIRE(g.instances.size() == 1);
  CHECK(g.instances[0].id == "0000:ca:00.4");
  CHECK(g.instances[0].type_name == "NVIDIA L40S-4Q");
  CHECK(g.notes == std::vector<std::string>{"3 of 32 VFs enabled; each VF holds one vGPU"});
}

TEST_CASE("Intel xe: VFs and their sriov_admin profiles are listed", "[vendor][xe]") {
  vtest::FakeTree tree;
  std::string pf = "sys/devices/pci0000:00/0000:03:00.0";
  tree.file(pf + "/vendor", "0x8086\n");
  tree.file(pf + "/device", "0xe20b\n");
  tree.file(pf + "/class", "0x030000\n");
  tree.file(pf + "/sriov_totalvfs", "24\n");
  tree.file(pf + "/sriov_numvfs", "2\n");
  tree.dir("sys/bus/pci/drivers/xe");
  tree.link(pf + "/driver", "sys/bus/pci/drivers/xe");
  tree.link("sys/bus/pci/devices/0000:03:00.0", pf);
  tree.file(pf + "/sriov_admin/pf/profile/sched_priority", "low\n");
  for (int n = 1; n <= 3; ++n) {  // vf3 exists in sriov_admin but is not enabled
    std::string p = pf + "/sriov_admin/vf" + std::to_string(n) + "/profile/";
    tree.file(p + "exec_quantum_ms", std::to_string(10 * n) + "\n");
    tree.file(p + "preempt_timeout_us", "20000\n");
    tree.file(p + "sched_priority", "normal\n");
    if (n == 1) tree.file(p + "vram_quota", "2147483648\n");
  }
  std::string vf = "sys/devices/pci0000:00/0000:03:00.1";
  tree.file(vf + "/vendor", "0x8086\n");  // what the PCI scan (libpci) reads of every function
  tree.file(vf + "/device", "0xe20b\n");
  tree.file(vf + "/class", "0x030000\n");
  tree.link(pf + "/virtfn0", vf);
  tree.link("sys/bus/pci/devices/0000:03:00.1", vf);
  sriov::Sysfs sysfs(tree.path());
  auto host = scan_vgpu_host(sysfs);
  INFO((host ? std::string() : host.error().message));
  REQUIRE(host);
  REQUIRE(host->gpus.size() == 1);
  const auto& g = host->gpus[0];
  CHECK(g.handler == "intel-xe");
  CHECK(g.backend == Backend::listing);
  CHECK(g.driver == "xe");
  REQUIRE(g.instances.size() == 2);
  CHECK(g.instances[0].id == "0000:03:00.1");
  CHECK(g.instances[1].id == "vf2");  // no virtfn1 link: named by its sriov_admin entry
  CHECK(g.instances[0].attrs == Facts{{"exec_quantum_ms", "10"},
                                      {"preempt_timeout_us", "20000"},
                                      {"sched_priority", "normal"},
                                      {"vram_quota", "2147483648"}});
  CHECK_FALSE(fact(g.instances[1].attrs, "vram_quota"));
  // Nothing to create through vgpuctl: the planner never picks it.
  VgpuRequest r;
  r.min_framebuffer = 1 * kMiB;
  auto plan = plan_create(*host, r);
  REQUIRE_FALSE(plan);
  CHECK(plan.error().code == sriov::Errc::not_found);
}

TEST_CASE("sizes too large for 64 bits are no size, never a wrapped one (fuzz findings)",
          "[vendor]") {
  // tests/fuzz/crashes/mdev_types-*: each of these once came back as a small framebuffer.
  CHECK_FALSE(parse_vendor_megabytes("888888888888888888"));
  CHECK_FALSE(parse_vendor_megabytes("17179869184G"));
  CHECK_FALSE(parse_nvidia_type_name("GRID T4-17179869184Q").framebuffer);
  auto sum = gvtg_type(raw("i915-GVTg_V5_4", "GVTg_V5_4",
                           "low_gm_size: 17179869183G\nhigh_gm_size: 2G\n", 1));
  CHECK_FALSE(sum.framebuffer);
}
