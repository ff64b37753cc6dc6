#include <algorithm>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli.hpp"
#include "cli_run.hpp"
#include "helpers.hpp"

namespace fs = std::filesystem;

namespace {

using RunResult = test::CliResult;
RunResult run_cli(std::vector<std::string> args) { return test::run_sriovctl(std::move(args)); }

// Compares with tests/golden/NAME; SRIOV_UPDATE_GOLDEN=1 rewrites the file instead.
void check_golden(const std::string& name, const std::string& actual) {
  test::check_golden_file(fs::path(SRIOV_GOLDEN_DIR) / name, actual);
}

}  // namespace

TEST_CASE("list and show match the golden output on every fixture host", "[cli][golden]") {
  struct Show {
    const char* host;
    std::vector<const char*> pfs;
  } hosts[] = {{"x710", {"ens1f0", "0000:3b:00.1"}},
               {"e810", {"ens2f0np0"}},
               {"cx6dx", {"5e:00.0"}},
               {"ixgbe-82599", {"ens4f0"}},
               {"netdevsim", {"eni1np1"}},
               {"gpu-t4", {}},
               {"gpu-l40s", {"ca:00.0"}},
               {"igpu-gvtg", {}},
               {"sample", {}}};
  for (const auto& h : hosts) {
    std::string root = test::fixture(h.host).string();
    for (bool json : {false, true}) {
      std::string ext = json ? ".json" : ".txt";
      std::vector<std::string> args = {"--sysfs-root", root, "list"};
      if (json) args.push_back("--json");
      auto r = run_cli(args);
      CHECK(r.status == 0);
      CHECK(r.err.empty());
      check_golden(std::string(h.host) + "/list" + ext, r.out);
      if (json) CHECK_NOTHROW(nlohmann::json::parse(r.out));
      for (const char* pf : h.pfs) {
        std::vector<std::string> show = {"--sysfs-root", root, "show", pf};
        if (json) show.push_back("--json");
        auto s = run_cli(show);
        CHECK(s.status == 0);
        std::string file = std::string(pf);
        std::replace(file.begin(), file.end(), ':', '_');
        check_golden(std::string(h.host) + "/show-" + file + ext, s.out);
      }
    }
  }
}

TEST_CASE("list --tree draws every fixture host within 80 columns, and says the same in JSON",
          "[cli][golden]") {
  for (const char* host : {"x710", "e810", "cx6dx", "ixgbe-82599", "netdevsim", "gpu-t4",
                           "gpu-l40s", "igpu-gvtg", "sample", "vfio-variants"}) {
    std::string root = test::fixture(host).string();
    auto text = run_cli({"--sysfs-root", root, "list", "--tree"});
    CHECK(text.status == 0);
    CHECK(text.err.empty());
    check_golden(std::string(host) + "/tree.txt", text.out);
    std::istringstream lines(text.out);
    for (std::string line; std::getline(lines, line);) {
      // Columns, not bytes: the box-drawing characters are three bytes each in UTF-8.
      size_t columns = 0;
      for (unsigned char c : line) columns += (c & 0xC0) != 0x80;
      INFO(host << ": " << line);
      CHECK(columns <= 80);
    }
    auto json = run_cli({"--sysfs-root", root, "list", "--tree", "--json"});
    CHECK(json.status == 0);
    check_golden(std::string(host) + "/tree.json", json.out);
    // The JSON has every PF of list, under its NUMA node.
    auto tree = nlohmann::json::parse(json.out);
    auto list = nlohmann::json::parse(run_cli({"--sysfs-root", root, "list", "--json"}).out);
    size_t pfs = 0;
    for (const auto& node : tree["numa_nodes"])
      for (const auto& pf : node["pfs"]) {
        ++pfs;
        CHECK(pf["pf"]["numa_node"] == node["numa_node"]);
      }
    CHECK(pfs == list["pfs"].size());
  }
}

TEST_CASE("dry run writes nothing and prints every write", "[cli]") {
  test::ScratchHost host("sample");
  std::string root = host.path().string();
  auto before = test::tree_digest(host.path());
  auto create = run_cli({"--sysfs-root", root, "create", "ens1f1", "4", "--no-autoprobe",
                          "--driver", "vfio-pci", "--dry-run"});
  CHECK(create.status == 0);
  CHECK_THAT(create.out, Catch::Contains("write 4 > /sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs"));
  CHECK_THAT(create.out, Catch::EndsWith("dry run: nothing was written\n"));
  auto destroy = run_cli({"--sysfs-root", root, "destroy", "ens1f0", "--dry-run", "--json"});
  CHECK(destroy.status == 0);
  auto j = nlohmann::json::parse(destroy.out);
  CHECK(j["dry_run"] == true);
  CHECK(j["changed"] == false);
  CHECK(j["steps"][0]["status"] == "planned");
  CHECK(j["steps"][0]["disruption"] == "destroys 64 VFs");
  CHECK(j["steps"][0]["writes"][0]["path"] == "/sys/bus/pci/devices/0000:3b:00.0/sriov_numvfs");
  auto bind = run_cli({"--sysfs-root", root, "bind", "ens1f0#0-63", "--driver", "vfio-pci",
                        "--dry-run"});
  CHECK(bind.status == 0);
  CHECK(test::tree_digest(host.path()) == before);
}

TEST_CASE("refusals and bad input map to documented exit statuses", "[cli]") {
  // A private copy: the writers below take the host lock (run/sriov/lock in the tree).
  test::ScratchHost host("sample");
  std::string root = host.path().string();
  auto over_vfio = run_cli({"--sysfs-root", root, "create", "ens3f0np0", "4", "--force"});
  CHECK(over_vfio.status == 3);
  CHECK_THAT(over_vfio.err, Catch::StartsWith("sriovctl: error: refusing to change the VF count"));
  CHECK_THAT(over_vfio.err, Catch::Contains("pid 4242 (qemu-system-x86)"));
  CHECK(over_vfio.out.empty());

  // show marks the held VF and names the holder, in text and JSON.
  auto shown = run_cli({"--sysfs-root", root, "show", "ens3f0np0"});
  CHECK_THAT(shown.out, Catch::Contains("HELD BY"));
  CHECK_THAT(shown.out, Catch::Contains("pid 4242 (qemu-system-x86)\n"));
  auto shown_json = nlohmann::json::parse(
      run_cli({"--sysfs-root", root, "--json", "show", "ens3f0np0"}).out);
  size_t held = 0;
  for (const auto& vf : shown_json["vfs"])
    for (const auto& h : vf["holders"]) held += h["pid"] == 4242 && h["comm"] == "qemu-system-x86";
  CHECK(held == 1);

  auto json = run_cli({"--sysfs-root", root, "--json", "destroy", "ens3f0np0"});
  CHECK(json.status == 3);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["error"]["code"] == "refused");
  CHECK(j["error"]["exit_status"] == 3);

  CHECK(run_cli({"--sysfs-root", root, "show", "ens9"}).status == 4);
  CHECK(run_cli({"--sysfs-root", root, "show", "3b:00.9"}).status == 2);
  CHECK(run_cli({"--sysfs-root", root, "create", "ens1f1", "65"}).status == 2);
  CHECK(run_cli({"--sysfs-root", root, "bind", "ens1f0#0", "--driver", "nope"}).status == 4);
  CHECK(run_cli({"--sysfs-root", root, "bind", "ens1f0#x", "--driver", "vfio-pci"}).status == 2);
  auto usage = run_cli({"--sysfs-root", root, "create", "ens1f1"});
  CHECK(usage.status == 2);
  CHECK_THAT(usage.err, Catch::Contains("N is required"));
  CHECK(run_cli({"--sysfs-root", "/nonexistent", "list"}).status == 2);
  CHECK(run_cli({"list", "--sysfs-root", root, "--json"}).status == 0);  // options after verb
}

TEST_CASE("plan --detailed-exitcode: 0 nothing to do, 7 pending, 3 apply would refuse", "[cli]") {
  // x710: ens1f0 has 64 VFs, autoprobe on. Published files count as pending changes too.
  test::ScratchHost host("x710");
  std::string root = host.path().string();
  auto profile = [&](const std::string& name, const std::string& body) {
    auto file = host.path() / (name + ".yaml");
    std::ofstream(file) << "version: 1\nnics:\n  - pf: ens1f0\n" << body;
    return file.string();
  };
  struct Case {
    std::string name, body;
    int plan, dry_run, allowed;
  } cases[] = {
      {"same", "    num-vfs: 64\n", 0, 0, 0},
      {"pending", "    num-vfs: 64\n    drivers-autoprobe: false\n", 7, 7, 7},
      {"disruptive", "    num-vfs: 8\n", 3, 3, 7},
      {"publish", "    num-vfs: 64\npublish:\n  - {format: json, output: /pub}\n", 7, 7, 7},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    auto file = profile(c.name, c.body);
    auto plan = run_cli({"--sysfs-root", root, "plan", "--detailed-exitcode", "-f", file});
    CHECK(plan.status == c.plan);
    CHECK((c.plan == 3) == (plan.err.find("apply would refuse this plan: 1 of its steps is "
                                          "disruptive") != std::string::npos));
    CHECK(run_cli({"--sysfs-root", root, "plan", "-f", file}).status == 0);  // without: 0
    CHECK(run_cli({"--sysfs-root", root, "apply", "--dry-run", "--detailed-exitcode", "-f", file})
              .status == c.dry_run);
    CHECK(run_cli({"--sysfs-root", root, "--json", "apply", "--dry-run", "--allow-disruption",
                   "--detailed-exitcode", "-f", file})
              .status == c.allowed);
  }
  // Once published, the same profile has nothing to do.
  auto published = profile("publish", cases[3].body);
  REQUIRE(run_cli({"--sysfs-root", root, "apply", "-f", published}).status == 0);
  CHECK(run_cli({"--sysfs-root", root, "plan", "--detailed-exitcode", "-f", published}).status == 0);
  auto usage = run_cli({"--sysfs-root", root, "apply", "--detailed-exitcode", "-f", published});
  CHECK(usage.status == 2);
  CHECK_THAT(usage.err, Catch::Contains("--detailed-exitcode requires --dry-run"));
}

TEST_CASE("show --profile round-trips on every fixture host: the export plans as a no-op",
          "[cli][export]") {
  for (const char* h : {"x710", "e810", "cx6dx", "ixgbe-82599", "netdevsim", "gpu-t4", "gpu-t4x2",
                        "gpu-l40s", "gpu-l40s-hetero", "igpu-gvtg", "vfio-variants", "sample"}) {
    INFO(h);
    test::ScratchHost host(h);
    std::string root = host.path().string();
    auto exported = run_cli({"--sysfs-root", root, "show", "--profile"});
    CHECK(exported.status == 0);
    CHECK(exported.err.empty());
    if (std::string(h) == "x710") check_golden("x710/show-profile.yaml", exported.out);
    auto file = host.path() / "exported.yaml";
    std::ofstream(file) << exported.out;
    auto plan = run_cli({"--sysfs-root", root, "plan", "--detailed-exitcode", "-f", file.string()});
    CHECK(plan.status == 0);
    CHECK_THAT(plan.out, Catch::Contains("\nno changes\n"));
    // The JSON form is the same profile: one nics entry per "  - pf:" line of the YAML.
    auto json = run_cli({"--sysfs-root", root, "--json", "show", "--profile"});
    size_t pf_lines = 0;
    for (size_t at = 0; (at = exported.out.find("\n  - pf: ", at)) != std::string::npos; ++at)
      ++pf_lines;
    CHECK(nlohmann::json::parse(json.out)["nics"].size() == pf_lines);
  }
}

TEST_CASE("repeated -f: profiles merge in the order given, one PF in two files is an error",
          "[cli]") {
  test::ScratchHost host("x710");
  std::string root = host.path().string();
  auto write = [&](const std::string& name, const std::string& body) {
    auto file = host.path() / name;
    std::ofstream(file) << "version: 1\nnics:\n" << body;
    return file.string();
  };
  auto a = write("a.yaml", "  - pf: ens1f0\n    num-vfs: 64\n");
  auto b = write("b.yaml", "  - pf: ens1f1\n    num-vfs: 2\n");
  auto both = run_cli({"--sysfs-root", root, "plan", "-f", a, "--file", b});
  CHECK(both.status == 0);
  CHECK_THAT(both.out, Catch::StartsWith("plan: apply " + a + ", " + b + "\n"));
  CHECK_THAT(both.out, Catch::Contains("set VF count of 0000:3b:00.1 (ens1f1): 0 -> 2"));
  auto twice = run_cli({"--sysfs-root", root, "plan", "-f", a, "-f", a});
  CHECK(twice.status == 2);
  CHECK_THAT(twice.err, Catch::Contains(a + ":3:"));
  CHECK(run_cli({"--sysfs-root", root, "status", "-f", a, "-f", b}).status == 7);
}

TEST_CASE("help names every verb and --version answers", "[cli]") {
  auto help = run_cli({"--help"});
  CHECK(help.status == 0);
  for (const char* verb : {"list", "show", "create", "destroy", "bind", "unbind", "publish", "status", "watch"})
    CHECK_THAT(help.out, Catch::Contains(verb));
  for (const char* opt : {"--sysfs-root", "--json", "--verbose", "--timeout", "--version"})
    CHECK_THAT(help.out, Catch::Contains(opt));
  auto version = run_cli({"--version"});
  CHECK(version.status == 0);
  CHECK_THAT(version.out, Catch::StartsWith("sriovctl "));
}

TEST_CASE("a create that the fixture cannot carry out is undone and reported", "[cli]") {
  // A fixture tree never reacts: numvfs reads back what was written but no virtfn links
  // appear. The executor must notice, undo its writes and say what it undid.
  test::ScratchHost host("x710");
  std::string root = host.path().string();
  auto r = run_cli({"--sysfs-root", root, "create", "ens1f1", "2", "--no-autoprobe"});
  CHECK(r.status == 1);
  CHECK_THAT(r.err, Catch::Contains("there are not 2 virtfn links"));
  CHECK_THAT(r.err, Catch::Contains("Undone: set sriov_drivers_autoprobe"));
  sriov::Sysfs sysfs(host.path());
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:3b:00.1/sriov_numvfs") == "0");
  CHECK(*sysfs.read("/sys/bus/pci/devices/0000:3b:00.1/sriov_drivers_autoprobe") == "1");
}

TEST_CASE("apply -f with gpus: one plan, executed, undone on failure, idempotent", "[cli][gpus]") {
  // gpu-t4 runs one GRID T4-1Q. A definition of a GRID T4-2Q instance (written by hand, one
  // line) cannot coexist with 1Q on a T4: with start:, the profile's definitions replace it.
  test::ScratchHost host("gpu-t4");
  std::string root = host.path().string();
  const std::string running = "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01";
  const std::string other = "6d1b2c3d-1111-4000-8000-0000000000f2";
  auto defs = host.path() / "etc/mdevctl.d/0000:af:00.0";
  fs::create_directories(defs);
  const std::string by_hand = R"({"mdev_type":"nvidia-231","start":"auto","attrs":[]})";
  std::ofstream(defs / other) << by_hand;
  auto write_profile = [&](unsigned count) {
    auto file = host.path() / fmt::format("p{}.yaml", count);
    std::ofstream(file) << "version: 1\ngpus:\n  - {gpu: af:00.0, type: nvidia-230, count: "
                        << count << ", start: auto}\n";
    return file.string();
  };
  auto read = [](const fs::path& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };

  // count 2: remove the 2Q definition, create an instance (the fixture never shows it: the
  // step fails), so the removed definition comes back byte for byte.
  auto failed = run_cli({"--sysfs-root", root, "apply", "-f", write_profile(2)});
  CHECK(failed.status == 1);
  CHECK_THAT(failed.err, Catch::Contains("step 2 of 4 failed (create mdev "));
  CHECK_THAT(failed.err, Catch::Contains("did not appear"));
  CHECK_THAT(failed.err, Catch::Contains("Undone: remove mdevctl definition of " + other));
  CHECK(read(defs / other) == by_hand);
  CHECK_FALSE(fs::exists(defs / running));
  CHECK_FALSE(fs::exists(host.path() / "run/sriov/journal.json"));

  auto plan = run_cli({"--sysfs-root", root, "plan", "-f", write_profile(2)});
  CHECK(plan.status == 0);
  CHECK_THAT(plan.out, Catch::Contains("  1. remove mdevctl definition of " + other));
  CHECK_THAT(plan.out, Catch::Contains("  2. create mdev "));
  CHECK_THAT(plan.out, Catch::Contains("       write { \"mdev_type\": \"nvidia-230\", \"start\": "
                                       "\"auto\", \"attrs\": [] } > /etc/mdevctl.d/0000:af:00.0/" +
                                       running + "\n"));
  CHECK_THAT(plan.out, Catch::EndsWith("dry run: nothing was written\n"));

  // count 1: only definitions change, which the tree can carry out.
  auto applied = run_cli({"--sysfs-root", root, "--json", "apply", "-f", write_profile(1)});
  CHECK(applied.status == 0);
  auto j = nlohmann::json::parse(applied.out);
  CHECK(j["changed"] == true);
  REQUIRE(j["steps"].size() == 2);
  CHECK(j["steps"][0]["action"] == "remove-file");
  CHECK(j["steps"][1]["action"] == "write-file");
  CHECK(j["steps"][1]["target"] == "/etc/mdevctl.d/0000:af:00.0/" + running);
  CHECK(j["steps"][1]["status"] == "done");
  CHECK_FALSE(fs::exists(defs / other));
  CHECK(read(defs / running) ==
        "{\n  \"mdev_type\": \"nvidia-230\",\n  \"start\": \"auto\",\n  \"attrs\": []\n}");

  auto again = run_cli({"--sysfs-root", root, "--json", "apply", "-f", write_profile(1)});
  CHECK(again.status == 0);
  auto k = nlohmann::json::parse(again.out);
  CHECK(k["changed"] == false);
  CHECK(k["steps"].empty());
  CHECK(k["notes"] ==
        nlohmann::json::array({"0000:af:00.0: GRID T4-1Q (nvidia-230): no change (1 running)"}));
  auto text = run_cli({"--sysfs-root", root, "apply", "-f", write_profile(1)});
  CHECK(text.out ==
        "note: 0000:af:00.0: GRID T4-1Q (nvidia-230): no change (1 running)\nno changes\n");

  // count 0 removes the running instance: refused, nothing written but the record of the
  // last apply that status reports (its exit status).
  auto record = host.path() / "run/sriov/last-apply.json";
  CHECK_THAT(read(record), Catch::Contains("\"status\":0"));
  fs::remove(record);
  auto before = test::tree_digest(host.path());
  auto refused = run_cli({"--sysfs-root", root, "apply", "-f", write_profile(0)});
  CHECK(refused.status == 3);
  CHECK_THAT(refused.err, Catch::Contains("removes 1 running instance (" + running +
                                          "); pass --allow-disruption"));
  CHECK_THAT(read(record), Catch::Contains("\"status\":3"));
  std::error_code ec;
  fs::remove(record, ec);
  fs::remove(host.path() / "p0.yaml", ec);
  CHECK(test::tree_digest(host.path()) == before);
}

TEST_CASE("show --profile exports vGPUs with start: only when it changes no definition",
          "[cli][export]") {
  test::ScratchHost host("gpu-t4");  // runs one GRID T4-1Q (nvidia-230)
  std::string root = host.path().string();
  const std::string running = "c0ffee00-7a3e-4d2b-9a51-2f6f3c3d1e01";
  auto defs = host.path() / "etc/mdevctl.d/0000:af:00.0";
  fs::create_directories(defs);
  auto round_trip = [&] {
    auto exported = run_cli({"--sysfs-root", root, "show", "--profile"});
    CHECK(exported.status == 0);
    auto file = host.path() / "exported.yaml";
    std::ofstream(file) << exported.out;
    CHECK(run_cli({"--sysfs-root", root, "plan", "--detailed-exitcode", "-f", file.string()})
              .status == 0);
    return exported.out;
  };
  auto without = round_trip();  // no definition: transient, no start
  CHECK_THAT(without, Catch::Contains("    uuids:\n      - \"" + running + "\"\n"));
  CHECK_THAT(without, !Catch::Contains("start:"));

  std::ofstream(defs / running) << R"({"mdev_type":"nvidia-230","start":"auto","attrs":[]})";
  CHECK_THAT(round_trip(), Catch::Contains("      - \"" + running + "\"\n    start: \"auto\"\n"));

  // A definition of another type: start: would remove it on this one-type GPU, so none.
  std::ofstream(defs / "6d1b2c3d-1111-4000-8000-0000000000f2")
      << R"({"mdev_type":"nvidia-231","start":"manual","attrs":[]})";
  CHECK_THAT(round_trip(), !Catch::Contains("start:"));
}
