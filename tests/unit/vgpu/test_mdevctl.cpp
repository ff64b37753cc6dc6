// Persistent instances in mdevctl's own format, compared with files mdevctl 1.2 wrote.
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "helpers.hpp"
#include "mdev/mdevctl.hpp"
#include "vgpu_helpers.hpp"

using namespace mdev;
namespace fs = std::filesystem;

namespace {

std::string golden(const std::string& name) {
  std::ifstream in(fs::path(SRIOV_GOLDEN_DIR) / "vgpu/mdevctl" / name, std::ios::binary);
  if (!in) FAIL("missing " << name);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

const std::string kUuid = "8a7e0d5c-1b2f-4c3d-9e4f-5a6b7c8d9e0f";
const std::string kT4 = "0000:af:00.0";

}  // namespace

TEST_CASE("definitions are written byte for byte as mdevctl writes them", "[mdevctl]") {
  Definition manual{kUuid, kT4, "nvidia-230", false, {}, ""};
  CHECK(definition_json(manual) == golden("manual.json"));
  Definition with_attrs{
      "8a7e0d5c-1b2f-4c3d-9e4f-5a6b7c8d9e10",
      "mbochs",
      "mbochs-small",
      true,
      {{"nvidia/vgpu_params", "frame_rate_limiter=0"}, {"remote/quote\"d", "a\\b"}},
      ""};
  CHECK(definition_json(with_attrs) == golden("auto-attrs.json"));
}

TEST_CASE("mdevctl's files parse back, malformed ones say why", "[mdevctl]") {
  auto def = parse_definition(golden("auto-attrs.json"), "mbochs", kUuid);
  REQUIRE(def);
  CHECK(def->type == "mbochs-small");
  CHECK(def->autostart);
  CHECK(def->attrs ==
        Facts{{"nvidia/vgpu_params", "frame_rate_limiter=0"}, {"remote/quote\"d", "a\\b"}});
  CHECK(def->path == "/etc/mdevctl.d/mbochs/" + kUuid);
  CHECK(definition_json(*def) == golden("auto-attrs.json"));
  auto minimal = parse_definition(R"({"mdev_type": "x"})", "p", kUuid);
  REQUIRE(minimal);
  CHECK_FALSE(minimal->autostart);
  for (const char* bad :
       {"", "[]", "{}", R"({"mdev_type": 1})", R"({"mdev_type": "x", "start": "boot"})",
        R"({"mdev_type": "x", "attrs": {"a": "b"}})",
        R"({"mdev_type": "x", "attrs": [{"a": "b", "c": "d"}]})",
        R"({"mdev_type": "x", "attrs": [{"a": 1}]})"}) {
    INFO(bad);
    auto d = parse_definition(bad, "p", kUuid);
    REQUIRE_FALSE(d);
    CHECK_THAT(d.error().message, Catch::StartsWith("/etc/mdevctl.d/p/" + kUuid + ": "));
  }
}

TEST_CASE("define and undefine round trip on a scratch host", "[mdevctl][cli]") {
  test::ScratchHost host("gpu-t4");
  std::string root = host.path().string();
  auto before = test::tree_digest(host.path());
  auto dry = vtest::run_vgpuctl({"--sysfs-root", root, "define", "af:00.0", "--type", "GRID T4-1Q",
                                 "--uuid", kUuid, "--dry-run"});
  CHECK(dry.status == 0);
  CHECK_THAT(dry.out, Catch::Contains("write mdevctl definition of " + kUuid));
  CHECK(test::tree_digest(host.path()) == before);

  auto define = vtest::run_vgpuctl(
      {"--sysfs-root", root, "define", "af:00.0", "--type", "GRID T4-1Q", "--uuid", kUuid});
  INFO(define.err);
  REQUIRE(define.status == 0);
  fs::path file = host.path() / "etc/mdevctl.d" / kT4 / kUuid;
  CHECK(read(file) == golden("manual.json"));  // the type name became its id

  auto list = vtest::run_vgpuctl({"--sysfs-root", root, "--json", "list"});
  auto j = nlohmann::json::parse(list.out);
  REQUIRE(j["instances"].size() == 2);
  CHECK(j["instances"][1]["id"] == kUuid);
  CHECK(j["instances"][1]["active"] == false);
  CHECK(j["instances"][1]["defined"] == true);
  CHECK(j["instances"][1]["start"] == "manual");
  CHECK(j["instances"][1]["type_name"] == "GRID T4-1Q");

  auto again = vtest::run_vgpuctl(
      {"--sysfs-root", root, "define", kT4, "--type", "nvidia-230", "--uuid", kUuid});
  CHECK(again.status == 3);
  CHECK_THAT(again.err, Catch::Contains("is defined already"));

  auto undefine = vtest::run_vgpuctl({"--sysfs-root", root, "undefine", kUuid});
  CHECK(undefine.status == 0);
  CHECK_FALSE(fs::exists(file));
  CHECK(vtest::run_vgpuctl({"--sysfs-root", root, "undefine", kUuid}).status == 4);
}

TEST_CASE("define refuses what cannot be defined", "[mdevctl][cli]") {
  std::string t4 = test::fixture("gpu-t4").string();
  auto type =
      vtest::run_vgpuctl({"--sysfs-root", t4, "define", kT4, "--type", "nvidia-999", "--dry-run"});
  CHECK(type.status == 4);
  auto running =
      vtest::run_vgpuctl({"--sysfs-root", t4, "define", kT4, "--type", "nvidia-222", "--uuid",
                          "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01", "--dry-run"});
  CHECK(running.status == 3);
  CHECK_THAT(running.err, Catch::Contains("is running as nvidia-230"));
  auto vfio = vtest::run_vgpuctl({"--sysfs-root", test::fixture("gpu-l40s").string(), "define",
                                  "ca:00.0", "--type", "1155", "--dry-run"});
  CHECK(vfio.status == 1);
  CHECK_THAT(vfio.err, Catch::Contains("mdevctl definitions do not apply"));
  // A parent that is not there (yet) can be defined, like mdevctl allows.
  auto absent = vtest::run_vgpuctl({"--sysfs-root", t4, "define", "mbochs", "--type",
                                    "mbochs-large", "--uuid", kUuid, "--dry-run"});
  CHECK(absent.status == 0);
  CHECK_THAT(absent.out, Catch::Contains("note: parent mbochs is not present"));
  CHECK(vtest::run_vgpuctl({"--sysfs-root", t4, "define", "../etc", "--type", "x", "--dry-run"})
            .status == 2);
}

TEST_CASE("start creates defined instances, stop keeps the definition", "[mdevctl][cli]") {
  vtest::FakeTree tree;
  tree.mbochs(1024, 0);
  std::string root = tree.path().string();
  auto fake = [](const sriov::Sysfs& s, sriov::KernelOptions, sriov::LinkBackend*) {
    return std::make_unique<vtest::FakeKernel>(s);
  };
  const std::string a = "aaaaaaaa-0000-4000-8000-000000000001",
                    b = "aaaaaaaa-0000-4000-8000-000000000002",
                    c = "aaaaaaaa-0000-4000-8000-000000000003";
  REQUIRE(vtest::run_vgpuctl({"--sysfs-root", root, "define", "mbochs", "--type", "mbochs-large",
                              "--uuid", a, "--start", "auto"})
              .status == 0);
  REQUIRE(vtest::run_vgpuctl({"--sysfs-root", root, "define", "mbochs", "--type", "mbochs-small",
                              "--uuid", b, "--start", "auto"})
              .status == 0);
  REQUIRE(vtest::run_vgpuctl(
              {"--sysfs-root", root, "define", "mbochs", "--type", "mbochs-small", "--uuid", c})
              .status == 0);
  // A definition mdevctl wrote, with attributes vgpuctl does not apply.
  const std::string d = "8a7e0d5c-1b2f-4c3d-9e4f-5a6b7c8d9e10";
  tree.file("etc/mdevctl.d/mbochs/" + d, golden("auto-attrs.json"));

  auto dry = vtest::run_vgpuctl({"--sysfs-root", root, "start", "--all-auto", "--dry-run"}, fake);
  CHECK(dry.status == 1);  // d cannot start: unsupported
  CHECK_THAT(dry.out, Catch::Contains("create mdev " + a + " of type mbochs-large on mbochs"));
  CHECK_THAT(dry.out, Catch::Contains("create mdev " + b + " of type mbochs-small on mbochs"));
  CHECK_THAT(dry.out, !Catch::Contains(c));
  CHECK_THAT(dry.err, Catch::Contains("not started: " + d + " has attributes"));

  fs::remove(tree.path() / "etc/mdevctl.d/mbochs" / d);
  auto start = vtest::run_vgpuctl({"--sysfs-root", root, "start", "--all-auto"}, fake);
  INFO(start.err);
  CHECK(start.status == 0);
  CHECK(fs::exists(tree.path() / "sys/bus/mdev/devices" / a));
  CHECK(fs::exists(tree.path() / "sys/bus/mdev/devices" / b));
  CHECK_FALSE(fs::exists(tree.path() / "sys/bus/mdev/devices" / c));
  auto twice = vtest::run_vgpuctl({"--sysfs-root", root, "start", "--all-auto"}, fake);
  CHECK(twice.status == 0);
  CHECK_THAT(twice.out, Catch::Contains("no changes"));

  auto list = vtest::run_vgpuctl({"--sysfs-root", root, "list"});
  CHECK_THAT(list.out,
             Catch::Contains(a + "  mbochs  mbochs  mbochs-large  mbochs-large  active, auto"));
  CHECK_THAT(list.out,
             Catch::Contains(c + "  mbochs  mbochs  mbochs-small  mbochs-small  defined, manual"));

  CHECK(vtest::run_vgpuctl({"--sysfs-root", root, "start", c}, fake).status == 0);
  auto stop = vtest::run_vgpuctl({"--sysfs-root", root, "stop", a, c}, fake);
  CHECK(stop.status == 0);
  CHECK_FALSE(fs::exists(tree.path() / "sys/bus/mdev/devices" / a));
  CHECK(fs::exists(tree.path() / "etc/mdevctl.d/mbochs" / a));
  auto stopped = vtest::run_vgpuctl({"--sysfs-root", root, "stop", a}, fake);
  CHECK(stopped.status == 0);
  CHECK_THAT(stopped.out, Catch::Contains("is defined but not running"));
  CHECK(vtest::run_vgpuctl({"--sysfs-root", root, "start", "aaaaaaaa-0000-4000-8000-00000000000f"},
                           fake)
            .status == 4);
}

TEST_CASE("start --all-auto skips a parent that never appears and says so", "[mdevctl][cli]") {
  test::ScratchHost host("gpu-t4");
  std::string root = host.path().string();
  REQUIRE(vtest::run_vgpuctl({"--sysfs-root", root, "define", "mbochs", "--type", "mbochs-large",
                              "--uuid", kUuid, "--start", "auto"})
              .status == 0);
  auto start = vtest::run_vgpuctl({"--sysfs-root", root, "start", "--all-auto", "--wait", "0.2"});
  CHECK(start.status == 4);
  CHECK_THAT(start.err,
             Catch::Contains("not started: parent mbochs of " + kUuid + " is not present"));
  auto json = vtest::run_vgpuctl({"--sysfs-root", root, "--json", "start", "--all-auto"});
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["skipped"][0]["code"] == "not-found");
  CHECK(j["steps"].empty());
}
