// sriovctl publish on fixture hosts: every format's files against golden files, the rule of
// which consumer takes which device, and the directory discipline (re-publish is a no-op, stale
// files go, foreign files are not overwritten, --remove takes everything back, devices are
// never written).
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli_run.hpp"
#include "helpers.hpp"
#include "mdev/profile_file.hpp"
#include "mdev/publish.hpp"

namespace fs = std::filesystem;
namespace pub = mdev::publish;

namespace {

using test::run_sriovctl;
auto sriovctl_run = [](std::vector<std::string> args) { return run_sriovctl(std::move(args)); };

std::string read(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// Every file of a directory, in name order, each under a "==> NAME <==" line.
std::string dir_text(const fs::path& dir) {
  std::vector<std::string> names;
  if (fs::is_directory(dir))
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename());
  std::sort(names.begin(), names.end());
  std::string out;
  for (const auto& n : names) out += "==> " + n + " <==\n" + read(dir / n);
  return out;
}

void write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

}  // namespace

TEST_CASE("every format matches its golden files on the fixture hosts", "[publish][golden]") {
  for (const char* host : {"sample", "cx6dx", "gpu-t4", "gpu-l40s", "gpu-l40s-hetero", "igpu-gvtg", "vfio-variants"}) {
    test::ScratchHost scratch(host);
    std::string root = scratch.path().string();
    auto before = test::tree_digest(scratch.path() / "sys");
    for (auto format : pub::kFormats) {
      std::string name(pub::format_name(format));
      auto r = sriovctl_run({"--sysfs-root", root, "publish", name, "--output", "/out/" + name});
      INFO(host << " " << name << ": " << r.err);
      CHECK(r.status == 0);
      test::check_golden_file(fs::path(SRIOV_GOLDEN_DIR) / "publish" / host / (name + ".txt"),
                              dir_text(scratch.path() / "out" / name));
      // Once published, publishing again changes nothing.
      auto again = sriovctl_run({"--sysfs-root", root, "publish", name, "--output", "/out/" + name});
      CHECK(again.status == 0);
      CHECK_THAT(again.out, Catch::Contains("no changes"));
    }
    CHECK(test::tree_digest(scratch.path() / "sys") == before);  // devices are only read
  }
}

TEST_CASE("publish keeps its directory exact and leaves foreign files alone", "[publish]") {
  test::ScratchHost scratch("sample");
  std::string root = scratch.path().string();
  fs::path dir = scratch.path() / "etc/pcidp";
  auto publish = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {"--sysfs-root", root, "publish", "device-plugin"};
    args.insert(args.end(), extra.begin(), extra.end());
    return sriovctl_run(args);
  };
  SECTION("a config.json no publish wrote is refused, named, and kept; --force replaces it") {
    write(dir / "config.json", "{\"resourceList\": []}\n");
    auto r = publish({});
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("refusing to overwrite /etc/pcidp/config.json"));
    CHECK(read(dir / "config.json") == "{\"resourceList\": []}\n");
    CHECK(publish({"--force"}).status == 0);
    CHECK_THAT(read(dir / "config.json"), Catch::Contains("0000:3b:00.0#0-7"));
  }
  SECTION("a file an earlier publish wrote and no longer publishes is removed") {
    REQUIRE(publish({}).status == 0);
    write(dir / "old.json", "{}\n");
    write(dir / ".sriovctl-publish-device-plugin", "config.json\nold.json\n");
    auto r = publish({});
    CHECK(r.status == 0);
    CHECK_FALSE(fs::exists(dir / "old.json"));
    CHECK(read(dir / ".sriovctl-publish-device-plugin") == "config.json\n");
  }
  SECTION("--remove takes back exactly what was published") {
    write(dir / "mine.txt", "kept\n");
    REQUIRE(publish({}).status == 0);
    auto r = publish({"--remove"});
    CHECK(r.status == 0);
    CHECK_FALSE(fs::exists(dir / "config.json"));
    CHECK_FALSE(fs::exists(dir / ".sriovctl-publish-device-plugin"));
    CHECK(read(dir / "mine.txt") == "kept\n");
    CHECK_THAT(publish({"--remove"}).out, Catch::Contains("nothing was published"));
  }
  SECTION("a manifest naming a path outside its directory is an error, and nothing is removed") {
    write(dir / ".sriovctl-publish-device-plugin", "config.json\n../../etc/passwd\n");
    auto r = publish({"--remove"});
    CHECK(r.status == 2);
    CHECK_THAT(r.err, Catch::Contains("/etc/pcidp/.sriovctl-publish-device-plugin line 2"));
  }
  SECTION("--dry-run prints the writes and writes nothing") {
    auto r = publish({"--dry-run"});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("/etc/pcidp/config.json"));
    CHECK_FALSE(fs::exists(dir));
  }
}

TEST_CASE("publish refuses bad arguments with one clear error", "[publish]") {
  std::string root = test::fixture("sample").string();
  auto r = sriovctl_run({"--sysfs-root", root, "publish", "libvirt", "--output", "-"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("publish libvirt writes 76 files; give --output DIR"));
  r = sriovctl_run({"--sysfs-root", root, "publish", "nova", "--output", "relative/dir"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("give an absolute directory"));
  r = sriovctl_run({"--sysfs-root", root, "publish", "cdi", "--domain", "Example.org"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("domain Example.org: each label starts with a letter"));
  CHECK(sriovctl_run({"--sysfs-root", root, "publish", "docker"}).status == 2);
  r = sriovctl_run({"--sysfs-root", root, "publish", "nova", "--remove"});
  CHECK(r.status == 2);
  CHECK_THAT(r.err, Catch::Contains("--remove takes back files from a directory"));
}

TEST_CASE("publish json on stdout is the documented catalog", "[publish]") {
  auto r = sriovctl_run({"--sysfs-root", test::fixture("sample").string(), "publish", "json"});
  REQUIRE(r.status == 0);
  auto j = nlohmann::json::parse(r.out);
  CHECK(j["devices"].size() == 73);  // 64 + 8 VFs and one vGPU
  const auto& held = j["devices"][66];
  CHECK(held["id"] == "0000:5e:00.4");
  CHECK(held["holders"][0]["pid"] == 4242);
  CHECK(j["pools"].size() == 3);
  CHECK_THAT(r.err, Catch::Contains("0000:5e:00.4 is in use: pid 4242"));
}

TEST_CASE("one rule says which consumer takes which device", "[publish]") {
  pub::Device vf;
  vf.kind = pub::Kind::nic_vf;
  vf.driver = "iavf";
  CHECK_FALSE(pub::unusable(pub::Format::libvirt, vf));  // libvirt binds it (managed='yes')
  CHECK_FALSE(pub::unusable(pub::Format::nova, vf));
  CHECK_FALSE(pub::unusable(pub::Format::device_plugin, vf));
  CHECK(*pub::unusable(pub::Format::cdi, vf) ==
        "a container opens a device through its VFIO file, and it has none (on iavf; bind it "
        "to vfio-pci)");
  CHECK(pub::unusable(pub::Format::kubevirt, vf));
  vf.vfio = {true, {"/dev/vfio/12"}};
  vf.driver = "vfio-pci";
  for (auto f : pub::kFormats) CHECK_FALSE(pub::unusable(f, vf));
  pub::Device mdev;
  mdev.kind = pub::Kind::mdev;
  mdev.mdev_parent = "mbochs";
  mdev.vfio = {true, {"/dev/vfio/3"}};
  CHECK(pub::unusable(pub::Format::device_plugin, mdev));
  CHECK(*pub::unusable(pub::Format::nova, mdev) ==
        "Nova names mdev parents by PCI address, and its parent is mbochs");
  mdev.mdev_parent = "0000:af:00.0";
  CHECK_FALSE(pub::unusable(pub::Format::nova, mdev));
  mdev.vfio = {};
  CHECK(pub::unusable(pub::Format::libvirt, mdev));
}

TEST_CASE("VF index ranges and resource names", "[publish]") {
  CHECK(pub::detail::ranges({0, 1, 2, 3, 7, 9, 10}) == "0-3,7,9-10");
  CHECK(pub::detail::ranges({}).empty());
  CHECK(pub::detail::resource_name("GRID T4-1Q") == "GRID_T4-1Q");
  CHECK(pub::detail::resource_name("eth0.100@x") == "eth0_100_x");
  CHECK(pub::check_domain("example.org"));
  CHECK_FALSE(pub::check_domain("org"));
  CHECK_FALSE(pub::check_domain("a..b"));
  CHECK_FALSE(pub::check_domain("ex_ample.org"));
  CHECK_FALSE(pub::check_domain("example-.org"));
}

TEST_CASE("a profile names pools and Nova tags, and says where each format goes", "[publish][profile]") {
  test::ScratchHost scratch("sample");
  std::string root = scratch.path().string();
  write(scratch.path() / "p.yaml",
        "version: 1\n"
        "nics:\n"
        "  - pf: ens3f0np0\n"
        "    num-vfs: 8\n"
        "    publish: {pool: tenant-a, physical-network: physnet1, trusted: true}\n"
        "gpus:\n"
        "  - gpu: af:00.0\n"
        "    type: GRID T4-1Q\n"
        "    count: 1\n"
        "    publish: {pool: t4_desktops}\n"
        "publish:\n"
        "  - format: nova\n"
        "    output: /etc/nova/nova.conf.d\n"
        "  - format: kubevirt\n"
        "    output: /srv/kubevirt\n"
        "    domain: example.org\n");
  std::string profile = (scratch.path() / "p.yaml").string();
  auto r = sriovctl_run({"--sysfs-root", root, "publish", "nova", "-f", profile});
  REQUIRE(r.status == 0);
  auto nova = read(scratch.path() / "etc/nova/nova.conf.d/sriovctl.conf");
  CHECK_THAT(nova, Catch::Contains(
                       R"({"address":"0000:5e:00.2","physical_network":"physnet1","product_id":)"
                       R"("101e","trusted":"true","vendor_id":"15b3"})"));
  CHECK_THAT(nova, Catch::Contains(R"("name":"tenant-a")"));
  CHECK_THAT(nova, Catch::Contains("# VFs of 0000:3b:00.0 (ens1f0): pool ens1f0"));  // default
  r = sriovctl_run({"--sysfs-root", root, "publish", "kubevirt", "-f", profile});
  REQUIRE(r.status == 0);
  auto kv = read(scratch.path() / "srv/kubevirt/kubevirt.yaml");
  CHECK_THAT(kv, Catch::Contains("resourceName: example.org/t4_desktops"));
  CHECK_THAT(kv, Catch::Contains("resourceName: example.org/tenant-a"));
}

TEST_CASE("every problem of a profile's publish keys at once, with file:line:col", "[publish][profile]") {
  auto p = mdev::parse_profile(
      "version: 1\n"
      "nics:\n"
      "  - pf: ens3f0np0\n"
      "    num-vfs: 8\n"
      "    publish: {pool: tenant a, physcal-network: x}\n"
      "  - pf: ens1f0\n"
      "    num-vfs: 8\n"
      "    publish: {pool: shared}\n"
      "gpus:\n"
      "  - gpu: af:00.0\n"
      "    type: GRID T4-1Q\n"
      "    count: 1\n"
      "    publish: {pool: shared, trusted: true}\n"
      "publish:\n"
      "  - format: nova\n"
      "  - format: docker\n"
      "  - {format: cdi, output: relative, domain: Example.org}\n"
      "  - format: cdi\n",
      "p.yaml");
  REQUIRE_FALSE(p);
  CHECK(p.error().code == sriov::Errc::invalid_input);
  const auto& m = p.error().message;
  for (const char* line :
       {"p.yaml:5:31: unknown key 'physcal-network' in publish (allowed: physical-network, pool, "
        "trusted)",
        "p.yaml:5:21: pool: 'tenant a' is not 1 to 63 of A-Z a-z 0-9 _ - (a name every consumer "
        "accepts)",
        "p.yaml:13:29: unknown key 'trusted' in publish (allowed: pool)",
        "p.yaml:15:5: publish entry for nova needs output: a directory (it has no default one)",
        "p.yaml:16:13: format: 'docker' is not libvirt, cdi, device-plugin, dra, nova, kubevirt or "
        "json",
        "p.yaml:17:27: output: give an absolute directory",
        "p.yaml:17:45: domain Example.org: each label starts with a letter a-z",
        "p.yaml:18:5: format cdi is published twice (also at p.yaml:17:5)",
        "p.yaml:13:14: pool shared is also the pool of a nics entry at p.yaml:8:14: a pool holds "
        "VFs or vGPUs, not both"})
    CHECK_THAT(m, Catch::Contains(line));
}

TEST_CASE("apply publishes the profile's formats after its steps, and only when they all ran",
          "[publish][profile]") {
  test::ScratchHost scratch("sample");
  std::string root = scratch.path().string();
  auto profile = [&](unsigned vfs) {
    write(scratch.path() / "p.yaml",
          "version: 1\nnics:\n  - pf: ens3f0np0\n    num-vfs: " + std::to_string(vfs) +
              "\npublish:\n  - format: cdi\n  - format: nova\n    output: /etc/nova/nova.conf.d\n");
    return (scratch.path() / "p.yaml").string();
  };
  fs::path cdi = scratch.path() / "var/run/cdi";
  SECTION("a refused apply publishes nothing") {
    auto r = sriovctl_run({"--sysfs-root", root, "apply", "-f", profile(4)});
    CHECK(r.status == 3);
    CHECK_FALSE(fs::exists(cdi));
  }
  SECTION("an apply that ran publishes; again, nothing changes; JSON carries both") {
    auto r = sriovctl_run({"--sysfs-root", root, "apply", "-f", profile(8)});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("published cdi to /var/run/cdi: 3 file writes"));
    CHECK(fs::exists(cdi / "sriovctl-vf.json"));
    CHECK(fs::exists(scratch.path() / "etc/nova/nova.conf.d/sriovctl.conf"));
    r = sriovctl_run({"--sysfs-root", root, "--json", "apply", "-f", profile(8)});
    CHECK(r.status == 0);
    auto j = nlohmann::json::parse(r.out);
    CHECK(j["published"].size() == 2);
    CHECK(j["published"][0]["changed"] == false);
  }
  SECTION("a publish that is refused leaves its directory as it was and says the apply stays") {
    write(cdi / "sriovctl-vf.json", "{}\n");
    auto r = sriovctl_run({"--sysfs-root", root, "apply", "-f", profile(8)});
    CHECK(r.status == 3);
    CHECK_THAT(r.err, Catch::Contains("the apply completed, but publishing cdi to /var/run/cdi "
                                      "failed, and its files are as they were: refusing to "
                                      "overwrite /var/run/cdi/sriovctl-vf.json"));
    CHECK(read(cdi / "sriovctl-vf.json") == "{}\n");
    CHECK_FALSE(fs::exists(cdi / "sriovctl-vgpu.json"));
  }
  SECTION("plan says what will be published") {
    auto r = sriovctl_run({"--sysfs-root", root, "plan", "-f", profile(8)});
    CHECK(r.status == 0);
    CHECK_THAT(r.out, Catch::Contains("note: then publish cdi to /var/run/cdi"));
  }
}
