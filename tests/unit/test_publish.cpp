// sriovctl publish on fixture hosts: every format's files against golden files, the rule of
// which consumer takes which device, and the directory discipline (re-publish is a no-op, stale
// files go, foreign files are not overwritten, --remove takes everything back, devices are
// never written).
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "helpers.hpp"
#include "mdev/publish.hpp"

namespace fs = std::filesystem;
namespace pub = mdev::publish;

namespace {

struct RunResult {
  int status;
  std::string out, err;
};

RunResult sriovctl_run(std::vector<std::string> args) {
  args.insert(args.begin(), "sriovctl");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream out, err;
  int status = sriovctl::run(static_cast<int>(argv.size()), argv.data(), out, err);
  return {status, out.str(), err.str()};
}

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
    CHECK_THAT(read(dir / "config.json"), Catch::Contains("0000:3b:00.0#0-63"));
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
  CHECK_THAT(r.err, Catch::Contains("--domain Example.org: each label starts with a letter"));
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
